"""The statement tells the citizen who looked at their record (HTML, PDF and JSON)."""
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model

from statements.pdf import statement_pdf
from statements.selectors import citizen_statement
from tests.api.conftest import report_body

LICENSING = "Suining County Licensing Office"
COURT = "Suining County People's Court"


@pytest.fixture
def looked_at(make_citizen, as_agency):
    """A person the court reported on and read the ledger of, and the licensing office asked about."""
    citizen = make_citizen()
    as_agency("court").post("/api/v1/events/", report_body(citizen))
    as_agency("court").get(f"/api/v1/citizens/{citizen.resident_id}/ledger/")
    as_agency("licensing").get(f"/api/v1/citizens/{citizen.resident_id}/eligibility/?service=business_licence")
    return citizen


def test_the_statement_lists_each_look_newest_first(looked_at, make_citizen, as_agency):
    as_agency("licensing").get(f"/api/v1/citizens/{make_citizen().resident_id}/eligibility/")  # someone else
    accesses = citizen_statement(citizen=looked_at).accesses
    assert [(a.who, a.actor_kind, a.what, a.purpose) for a in accesses] == [
        (LICENSING, "agency", "asked about eligibility", "Business licence"),
        (COURT, "agency", "read the ledger", "ledger"),
    ]
    assert accesses[0].at >= accesses[1].at


def test_json_statement_lists_the_reads_including_this_one(looked_at, as_official):
    body = as_official.get(f"/api/v1/citizens/{looked_at.resident_id}/statement/").json()
    assert [(a["who"], a["purpose"], a["channel"]) for a in body["accesses"]] == [
        ("official official", "statement", "api"), (LICENSING, "Business licence", "api"), (COURT, "ledger", "api")]


def test_html_statement_has_the_section(looked_at, client, db):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-1"))
    html = client.get(f"/admin/statements/{looked_at.resident_id}/").content.decode()
    section = html.split("Who looked at this record", 1)[1]
    assert section.count('<tr class="actor-agency">') == 2 and section.count('<tr class="actor-user">') == 1
    assert LICENSING in section and "Business licence" in section and "official root" in section


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext: scripts/install-system-deps")
def test_pdf_statement_has_the_section(looked_at, tmp_path):
    path = tmp_path / "statement.pdf"
    path.write_bytes(statement_pdf(citizen_statement(citizen=looked_at)))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    section = text.split("Who looked at this record", 1)[1]
    assert LICENSING in section and "Business licence" in section and "read the ledger" in section


def test_nobody_looked_yet(make_citizen):
    assert citizen_statement(citizen=make_citizen()).accesses == []
