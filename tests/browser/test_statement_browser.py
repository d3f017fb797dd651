"""In headless Chromium: an official opens a citizen, follows the Statement link, reads the ledger in plain
words and downloads the PDF; files an appeal from the event's page. Screenshots in artifacts/screenshots/."""
import re

import pytest

from appeals.models import Appeal
from tests.browser.test_admin_browser import browser, log_in, page, shot  # noqa: F401  (shared fixtures)
from tests.fixtures.admin import make_citizen, make_user, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_official_reads_statement_downloads_pdf_and_files_appeal(page, live_server, roles, agencies):  # noqa: F811
    make_user("official1", "Officials")
    citizen = make_citizen(name="张伟")
    event = report(citizen, "drunk_driving_conviction")
    log_in(page, live_server, "official1")
    page.goto(f"{live_server.url}/admin/citizens/citizen/{citizen.pk}/change/")
    page.click("#statement-link")
    page.wait_for_selector("#statement-ledger")
    assert "张伟" in page.content()
    rows = page.locator("#statement-ledger tbody tr")
    assert rows.count() == 2 and "Conviction for drunk driving" in rows.nth(1).inner_text()
    shot(page, "statement")
    with page.expect_download() as download:
        page.click("text=Download PDF")
    assert download.value.suggested_filename == f"statement-{citizen.resident_id}.pdf"
    page.goto(f"{live_server.url}/admin/points/event/{event.pk}/change/")
    page.click("#appeal-event")
    page.fill("#id_grounds", "The breath test device was not calibrated.")
    page.click("input[type=submit][value='File the appeal']")
    page.wait_for_selector("#appeal-decision")
    assert re.search(r"Appeal #\d+ filed", page.content())
    assert Appeal.objects.get(event=event).filed_by == "official1"
    shot(page, "appeal-filed")
