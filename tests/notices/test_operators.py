"""The operators' view: delivery status per notice and channel, failures and dead letters with their
reasons, the undeliverable filter, every attempt, resend, and the printable letter batch."""
import subprocess

import pytest
from django.core.management import call_command

from notices.models import Notice
from notices.services import notices_deliver
from tests.fixtures.admin import make_user

LIST = "/admin/notices/notice/"


@pytest.fixture
def operator(client, roles):
    """An official: resending is a duty of the Officials group (a superuser's status grants none)."""
    client.force_login(make_user("clerk", "Officials"))
    return client


def listed(client, query=""):
    return {n.pk for n in client.get(LIST + query).context["cl"].result_list}


def test_dead_letters_and_undeliverable_are_filtered_with_their_reasons(operator, smtp_sink, contact_citizen,
                                                                       make_citizen):
    dead = Notice.objects.get(citizen=contact_citizen(email="refuse@example.cn"))
    nobody = Notice.objects.get(citizen=make_citizen())  # no contact at all
    fine = Notice.objects.get(citizen=contact_citizen(email="ok@example.cn"))
    notices_deliver(ids=[dead.pk, fine.pk])
    assert listed(operator, "?problem=dead") == {dead.pk}
    assert listed(operator, "?problem=undeliverable") == {nobody.pk}
    assert listed(operator, "?delivery_status__exact=delivered&channel__exact=email") == {fine.pk}
    page = operator.get(LIST + "?problem=dead").content.decode()
    assert "550" in page and "mailbox unavailable" in page
    detail = operator.get(f"{LIST}{dead.pk}/change/").content.decode()
    assert "refuse@example.cn" in detail and "failed for good (dead letter)" in detail


def test_resend_after_the_address_was_corrected(operator, smtp_sink, contact_citizen):
    citizen = contact_citizen(email="refuse@example.cn")
    notice = Notice.objects.get(citizen=citizen)
    notices_deliver(ids=[notice.pk])
    notice.refresh_from_db()
    assert notice.delivery_status == "dead"
    citizen.email = "right@example.cn"
    citizen.save()
    response = operator.post(LIST, {"action": "resend", "_selected_action": [notice.pk]})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.delivery_status, notice.last_error) == ("pending", "")
    assert notices_deliver(ids=[notice.pk])["delivered"] == 1
    assert [m["To"] for m in smtp_sink.messages] == ["right@example.cn"]
    assert list(notice.delivery_attempts.values_list("number", "outcome", "address")) == [
        (1, "dead", "refuse@example.cn"), (2, "delivered", "right@example.cn")]


def test_resend_needs_the_permission(client, contact_citizen, roles):
    notice = Notice.objects.get(citizen=contact_citizen())
    client.force_login(make_user("auditor", "Auditors"))
    client.post(LIST, {"action": "resend", "_selected_action": [notice.pk]})
    notice.refresh_from_db()
    assert notice.attempts_at_resend == 0 and notice.delivery_status == "pending"


def test_people_without_an_electronic_channel_get_a_printed_letter(operator, contact_citizen, tmp_path):
    # An email address but no consent to electronic notices: the letter goes by post.
    citizen = contact_citizen(consent=False, postal_address="遂宁市 河东路 8号\n629000")
    notice = Notice.objects.get(citizen=citizen)
    assert (notice.channel, notice.delivery_status) == ("letter", "pending")
    assert notices_deliver(ids=[notice.pk])["skipped"] == 1  # no worker sends letters
    response = operator.post(LIST, {"action": "print_letters", "_selected_action": [notice.pk]})
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "letters.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "河东路" in text and "You are enrolled with 1000 points" in text and citizen.resident_id in text
    notice.refresh_from_db()
    assert notice.delivery_status == "delivered"
    assert notice.delivery_attempts.get().worker == "printed by clerk"
    call_command("print_letters", str(tmp_path / "none.pdf"))  # nothing left: an empty batch
    assert Notice.objects.filter(channel="letter", delivery_status="pending").count() == 0
