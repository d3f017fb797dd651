"""Contacts in the register: validated on import (FILE:LINE: reason) and in the admin, and every change
kept in the contact history."""
import csv
import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from citizens.models import Citizen, ContactChange
from citizens.synthetic import people
from tests.fixtures.admin import make_user

HEADER = ["resident_id", "name", "birth_date", "sex", "district", "mobile", "email", "postal_address",
          "preferred_channel", "consent", "consent_at"]


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


@pytest.fixture
def persons():
    return list(people(6, seed=11, today=datetime.date(2000, 1, 1)))


def row(person, mobile="", email="", address="", channel="", consent="", consent_at=""):
    return [person["resident_id"], person["name"], person["birth_date"].isoformat(), person["sex"],
            person["district"], mobile, email, address, channel, consent, consent_at]


def test_import_refuses_bad_contacts_with_file_line_and_reason(db, tmp_path, capsys, persons):
    path = tmp_path / "people.csv"
    write(path, [
        row(persons[0], mobile="138 1234 5678", email="li@example.cn", channel="sms", consent="yes",
            consent_at="2026-11-01T09:30"),
        row(persons[1], mobile="12345"),
        row(persons[2], email="not-an-address"),
        row(persons[3], channel="email"),
        row(persons[4], email="a@example.cn", consent="yes"),
        row(persons[5], consent="perhaps"),
    ])
    call_command("import_citizens", str(path), "--no-enrol", verbosity=0)
    err = capsys.readouterr().err
    assert f"{path}:3: mobile '12345' is not a valid phone number" in err
    assert f"{path}:4: email 'not-an-address' is not a valid email address" in err
    assert f"{path}:5: preferred_channel email needs email" in err
    assert f"{path}:6: consent needs consent_at, the time it was given" in err
    assert f"{path}:7: consent must be yes or no, not 'perhaps'" in err
    assert Citizen.objects.count() == 1
    li = Citizen.objects.get()
    assert (str(li.mobile), li.email, li.preferred_channel, li.contact_consent) == (
        "+8613812345678", "li@example.cn", "sms", True)
    assert timezone.localtime(li.contact_consent_at).isoformat() == "2026-11-01T09:30:00+08:00"  # local time


def test_reimport_with_new_contacts_updates_them_and_keeps_the_history(db, tmp_path, capsys, persons):
    path = tmp_path / "people.csv"
    write(path, [row(persons[0], email="old@example.cn")])
    call_command("import_citizens", str(path), "--no-enrol", verbosity=0)
    write(path, [row(persons[0], email="new@example.cn", address="Suining, Lane 3")])
    call_command("import_citizens", str(path), "--no-enrol", verbosity=0)
    assert "0 unchanged, 0 rejected, 0 enrolled. 1 with new contacts." in capsys.readouterr().out
    citizen = Citizen.objects.get()
    assert (citizen.email, citizen.postal_address) == ("new@example.cn", "Suining, Lane 3")
    changes = {c.field: (c.old_value, c.new_value, c.source, c.changed_by) for c in ContactChange.objects.all()}
    assert changes == {"email": ("old@example.cn", "new@example.cn", "import", str(path)),
                       "postal_address": ("", "Suining, Lane 3", "import", str(path))}
    call_command("import_citizens", str(path), "--no-enrol", verbosity=0)  # the same file again: nothing new
    assert ContactChange.objects.count() == 2


def change_form(citizen, **contacts):
    data = {"name": citizen.name, "sex": citizen.sex, "district": citizen.district, "status": citizen.status,
            "mobile": "", "email": "", "postal_address": "", "preferred_channel": "", "contact_consent_at_0": "",
            "contact_consent_at_1": ""}
    data.update(contacts)
    return data


def test_admin_refuses_an_invalid_phone_or_email_and_records_a_change(client, make_citizen):
    citizen = make_citizen(enrol=False)
    client.force_login(make_user("root", superuser=True))
    url = f"/admin/citizens/citizen/{citizen.pk}/change/"
    response = client.post(url, change_form(citizen, mobile="12345", email="nope"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "mobile" in errors and "email" in errors
    response = client.post(url, change_form(citizen, email="li@example.cn", preferred_channel="sms"))
    assert response.status_code == 200
    assert "preferred_channel sms needs mobile" in str(response.context["adminform"].form.errors)
    assert not ContactChange.objects.exists()
    response = client.post(url, change_form(citizen, mobile="13812345678", email="li@example.cn",
                                            preferred_channel="sms", contact_consent="on",
                                            contact_consent_at_0="2026-11-30", contact_consent_at_1="10:00:00"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    citizen.refresh_from_db()
    assert str(citizen.mobile) == "+8613812345678" and citizen.contact_consent
    changes = dict(ContactChange.objects.filter(citizen=citizen).values_list("field", "new_value"))
    assert changes["mobile"] == "+8613812345678" and changes["email"] == "li@example.cn"
    assert changes["contact_consent"] == "True" and set(changes) == {
        "mobile", "email", "preferred_channel", "contact_consent", "contact_consent_at"}
    assert set(ContactChange.objects.values_list("changed_by", "source")) == {("root", "admin")}
    page = client.get(url).content.decode()  # the history on the person's page
    assert "+8613812345678" in page and "li@example.cn" in page and "root (admin)" in page
