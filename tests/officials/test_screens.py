"""Screens without internals, server side: readable names for codes, the typed correction form, the
policy version's one status phrase, the proposal's title, the site header and icon, and "page x of y"."""
import datetime
import subprocess

import pytest

from officials.charts import diverging_bar_chart, wrap_label
from officials.labels import attributes_text, event_type_title, humanize, policy_version_status
from officials.models import AdjustmentProposal
from points.models import Event
from rules.models import PolicyVersion
from rules.registry import current_policy
from tests.fixtures.admin import make_citizen, report

pytestmark = pytest.mark.django_db


def test_codes_read_as_words():
    assert event_type_title("blood_donation") == current_policy().event_types["blood_donation"].title
    assert event_type_title("enrolment") == "Enrolment (starting points)"
    assert event_type_title("no_longer_in_the_policy") == "No longer in the policy"
    assert humanize("media_reported") == "Media reported"
    assert attributes_text({"severity": "minor", "media_reported": True, "months": 3}) == (
        "Reported in the media: yes; Months: 3; Severity: minor")
    assert attributes_text({}) == "—"


def test_long_rule_titles_wrap_instead_of_being_cut():
    title = "Helping people in poverty, reported in the media"
    assert " ".join(wrap_label(title)) == title
    assert wrap_label("短") == ["短"] and len(wrap_label("很" * 40)) == 2
    chart = str(diverging_bar_chart(rows=[(title, 15)], title="Net points moved per rule"))
    assert ">in the media<" in chart and ">Helping people in poverty, reported<" in chart


def test_the_version_status_never_contradicts_itself(conviction):
    stored = PolicyVersion.objects.get()
    assert policy_version_status(stored) == "in force from the policy files, not published"
    PolicyVersion.objects.filter(pk=stored.pk).update(published=True, published_at=datetime.datetime(
        2026, 12, 1, 9, tzinfo=datetime.UTC))
    stored.refresh_from_db()
    assert policy_version_status(stored).startswith("published ") and policy_version_status(stored).endswith(
        ", in force")
    assert policy_version_status(stored, in_force_hash="0" * 64).endswith(", superseded")


def test_the_event_page_and_ledger_list_show_no_codes(client, official, conviction):
    client.force_login(official)
    page = client.get(f"/admin/points/event/{conviction.pk}/change/").content.decode()
    assert "Conviction for drunk driving" in page and "Case number: (2026)" in page
    assert '"case_number"' not in page and conviction.policy_version[:12] not in page
    assert "drunk_driving_conviction" not in page  # the breadcrumbs and the ledger lines too
    ledger = client.get("/admin/points/ledgerentry/").content.decode()
    assert "drunk_driving_conviction" not in ledger and conviction.policy_version[:12] not in ledger
    assert "Version 1" in ledger


def test_the_ledger_list_says_how_it_is_sorted_and_is(client, official, agencies):
    first, second = make_citizen(name="A"), make_citizen(name="B")
    report(second, "blood_donation", "red_cross", {"millilitres": 200})
    report(first, "blood_donation", "red_cross", {"millilitres": 200})
    client.force_login(official)
    response = client.get("/admin/points/ledgerentry/")
    ids = [entry.pk for entry in response.context["cl"].result_list]
    assert ids == sorted(ids, reverse=True)  # by ID, as the ID column's sort mark says, not grouped by citizen
    assert '<th scope="col" class="sortable column-id sorted descending">' in response.content.decode()


def test_the_correction_form_is_typed_from_the_schema(client, official, agencies):
    citizen = make_citizen()
    event = report(citizen, "blood_donation", "red_cross", {"millilitres": 300})
    client.force_login(official)
    form = client.get(f"/admin/points/event/{event.pk}/correct/").content.decode()
    assert 'type="number" name="attribute_millilitres" value="300"' in form
    assert 'min="50"' in form and 'max="600"' in form and '<textarea name="attributes"' not in form
    refused = client.post(f"/admin/points/event/{event.pk}/correct/", {"attribute_millilitres": "700",
                                                                       "reason": "misread"})
    assert refused.status_code == 200 and "less than or equal to 600" in refused.content.decode()
    done = client.post(f"/admin/points/event/{event.pk}/correct/", {"attribute_millilitres": "400",
                                                                    "reason": "The slip says 400 ml."})
    assert done.status_code == 302
    assert Event.objects.get(corrects=event).attributes == {"millilitres": 400}  # an int, not "400"


def test_a_choice_attribute_is_a_select_of_its_choices(client, official, agencies):
    event = report(make_citizen(), "traffic_violation", "police", {"severity": "minor"})
    client.force_login(official)
    form = client.get(f"/admin/points/event/{event.pk}/correct/").content.decode()
    assert '<select name="attribute_severity"' in form and '<option value="serious">serious</option>' in form


def test_a_proposal_is_titled_by_the_citizen(official, agencies):
    from officials.services import adjustment_propose

    citizen = make_citizen(name="李娜")
    proposal = adjustment_propose(citizen=citizen, points=5, reason="Flood shelter volunteer", user=official)
    title = str(AdjustmentProposal.objects.get(pk=proposal.pk))
    assert title.startswith("+5 points for 李娜 (320324********") and f"for {citizen.pk}" not in title


def test_site_header_is_configurable_and_the_icon_is_served(client, official, settings):
    client.force_login(official)
    assert "睢宁县积分管理 / Suining points office" in client.get("/admin/").content.decode()
    settings.SITE_HEADER = "Pizhou points office"
    page = client.get("/admin/").content.decode()
    assert "Pizhou points office" in page and "Django administration" not in page
    assert 'rel="icon"' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml" and b"<svg" in icon.content


def test_the_pdf_footer_says_page_x_of_y(agencies, tmp_path):
    from statements.pdf import statement_pdf
    from statements.selectors import citizen_statement

    citizen = make_citizen(name="张伟")
    for n in range(60):  # a ledger longer than one page
        report(citizen, "traffic_violation", "police", {"severity": "minor"}, days_ago=1 + n)
    path = tmp_path / "statement.pdf"
    path.write_bytes(statement_pdf(citizen_statement(citizen=citizen)))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.count("\f")
    assert pages >= 2
    for number in range(1, pages + 1):
        assert f"page {number} of {pages}" in text


def test_the_policy_version_list_names_versions_by_number_and_status(client, superuser, conviction):
    client.force_login(superuser)
    page = client.get("/admin/rules/policyversion/").content.decode()
    assert "Version 1" in page and "in force from the policy files, not published" in page
    assert conviction.policy_version[:12] not in page
