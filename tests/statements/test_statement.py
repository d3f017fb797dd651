"""The citizen statement: every kind of entry in plain words, appeals, eligibility; HTML and PDF."""
import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from PIL import Image

from appeals.services import appeal_file, appeal_reject, appeal_start_review, appeal_uphold
from audit.models import AccessLog
from citizens.models import Citizen
from points.corrections import event_correct
from points.expiry import points_expire
from points.services import event_retract
from statements.pdf import statement_pdf
from statements.selectors import citizen_statement
from tests.fixtures.reporting import WHEN

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "statements"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def scenario(make_citizen, report, agencies):
    """A citizen whose ledger has every kind of entry and whose appeals ended every way."""
    citizen = make_citizen()
    Citizen.objects.filter(pk=citizen.pk).update(name="张伟")
    citizen.refresh_from_db()
    report(citizen, "elderly_care", {"months": 12})                                              # +50 rule
    traffic = report(citizen, "traffic_violation", {"severity": "minor"}, occurred_at=WHEN + DAY).event
    event_correct(event=traffic, attributes={"severity": "serious"}, reason="Red light, not parking.",
                  by="official")                                                                 # +5 void, -20 new
    retracted = report(citizen, "unpaid_court_judgment", occurred_at=WHEN + 2 * DAY).event       # -30
    event_retract(event=retracted, reason="The judgment was paid to a mistyped account.",
                  agency=agencies["court"])                                                      # +30 reversal
    upheld = report(citizen, "bribery_conviction", occurred_at=WHEN + 3 * DAY).event             # -50
    appeal = appeal_file(event=upheld, grounds="Not me: same name, other ID.", by="clerk")
    appeal_start_review(appeal=appeal, by="reviewer")
    appeal_uphold(appeal=appeal, reasons="Court confirms a different person.", by="reviewer")    # +50 reversal
    kept = report(citizen, "drunk_driving_conviction", occurred_at=WHEN + 4 * DAY).event         # -50, expires
    rejected = appeal_file(event=kept, grounds="The test was faulty.", by="clerk")
    appeal_start_review(appeal=rejected, by="reviewer")
    appeal_reject(appeal=rejected, reasons="The conviction is final.", by="reviewer")
    points_expire(today=datetime.date(2028, 3, 5))                                               # +50, +20 expiry
    appeal_file(event=Event_of(citizen, "elderly_care"), grounds="Care lasted 24 months, not 12.", by="clerk")
    citizen.refresh_from_db()
    return citizen


def Event_of(citizen, event_type):  # noqa: N802 (reads like a lookup)
    return citizen.events.get(event_type=event_type, status="applied")


def test_statement_lists_every_entry_in_plain_words(scenario):
    statement = citizen_statement(citizen=scenario)
    assert (statement.name, statement.score, statement.grade) == ("张伟", 1050, "A")
    kinds = [(line.kind, line.delta) for line in statement.lines]
    assert kinds == [("opening", 1000), ("rule", 50), ("rule", -5), ("reversal", 5), ("rule", -20), ("rule", -30),
                     ("reversal", 30), ("rule", -50), ("reversal", 50), ("rule", -50), ("expiry", 20), ("expiry", 50)]
    running = 0
    for line in statement.lines:
        running += line.delta
        assert line.balance == running
    assert running == statement.score == sum(statement.totals.values())
    assert statement.totals == {"opening": 1000, "rule": -105, "reversal": 85, "expiry": 70, "suspension": 0,
                                "reinstated": 0, "lifted": 0}
    by_rule = {line.rule_id: line for line in statement.lines if line.kind == "rule"}
    drunk = by_rule["SN-DRUNK-DRIVING"]
    assert drunk.agency == "Suining County People's Court" and drunk.expires_on == datetime.date(2028, 3, 5)
    for words in ("Conviction for drunk driving on 2025-03-05, reported by Suining County People's Court: -50 points.",
                  "A court convicted you of drunk driving", "Legal basis: Suining pilot scoring table",
                  "They stop counting on 2028-03-05."):
        assert words in drunk.text
    corrected = by_rule["OWN-TRAFFIC-SERIOUS"]
    assert corrected.corrects and "corrects the report of 2025-03-02 (Traffic violation)" in corrected.text
    texts = " | ".join(line.text for line in statement.lines)
    assert "Reason: The judgment was paid to a mistyped account." in texts
    assert "Reason: Appeal #" in texts and "upheld: Court confirms a different person." in texts
    assert "Reason: Corrected: Red light, not parking." in texts
    assert "“Conviction for drunk driving” of 2025-03-05 stopped counting on 2028-03-05." in texts
    assert statement.lines[0].text.startswith("Enrolled in the points register on 2024-01-01 with 1000 starting")


def test_statement_shows_appeals_outcomes_and_eligibility(scenario):
    statement = citizen_statement(citizen=scenario)
    assert [a.state for a in statement.appeals] == ["upheld", "rejected", "filed"]
    upheld, rejected, open_appeal = statement.appeals
    assert "upheld" in upheld.text and "Court confirms a different person." in upheld.text
    assert "rejected" in rejected.text and "Reasons: The conviction is final." in rejected.text
    assert [s.to_state for s in rejected.steps] == ["filed", "under_review", "rejected"]
    assert "a decision is due by" in open_appeal.text
    assert statement.under_appeal_since == datetime.date.today() or statement.under_appeal_since
    assert len(statement.eligibility) == 7
    assert all("Decision under appeal since" in d.reason for d in statement.eligibility)
    data = json.loads(json.dumps(statement.as_dict()))
    assert data["resident_id"] == scenario.resident_id and len(data["lines"]) == 12
    assert data["lines"][0]["at"].startswith("2024-01-01")


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs pdftoppm (poppler-utils): scripts/install-system-deps")
def test_pdf_renders_with_the_chinese_name(scenario, tmp_path):
    pdf = statement_pdf(citizen_statement(citizen=scenario))
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    assert "张伟" in text.stdout and scenario.resident_id in text.stdout and "Points statement" in text.stdout
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    assert page.size[0] > 500 and page.size[1] > 700
    dark = sum(page.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 2000, "the page rendered blank"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(next(tmp_path.glob("page*.png")), ARTIFACTS / "statement-page1.png")


@pytest.fixture
def viewer(django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_citizen"))
    return user


def test_admin_statement_page_and_pdf_download(client, viewer, scenario):
    client.force_login(viewer)
    page = client.get(f"/admin/statements/{scenario.resident_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "张伟" in html and "Court confirms a different person." in html and "Download PDF" in html
    assert html.count('<tr class="kind-') == 12
    pdf = client.get(f"/admin/statements/{scenario.resident_id}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and scenario.resident_id in pdf["Content-Disposition"]
    logged = AccessLog.objects.filter(citizen=scenario).order_by("id").values_list("actor", "action", "channel")
    assert list(logged) == [("viewer", "statement.read", "admin"), ("viewer", "statement.pdf", "admin")]


def test_admin_statement_needs_the_permission(client, django_user_model, scenario):
    assert client.get(f"/admin/statements/{scenario.resident_id}/").status_code == 302  # to the login page
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
    client.force_login(clerk)
    assert client.get(f"/admin/statements/{scenario.resident_id}/").status_code == 403
    assert client.get(f"/admin/statements/{scenario.resident_id}/pdf/").status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_citizen"))
    assert client.get("/admin/statements/110101198001011234/").status_code == 404


def test_statement_of_a_citizen_not_enrolled(make_citizen):
    young = make_citizen(enrol=False)
    statement = citizen_statement(citizen=young)
    assert (statement.lines, statement.appeals, statement.eligibility, statement.score) == ([], [], [], None)
    assert statement_pdf(statement).startswith(b"%PDF-")
    assert json.loads(json.dumps(statement.as_dict()))["totals"] == {"opening": 0, "rule": 0, "reversal": 0,
                                                                      "expiry": 0, "suspension": 0,
                                                                      "reinstated": 0, "lifted": 0}
