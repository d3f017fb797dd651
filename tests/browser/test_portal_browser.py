"""The citizen's portal in headless Chromium at a phone size and a desktop size: sign in with the
code captured from the development channel (Django's test mail box), read the record, download the
PDF statement, file an appeal with a file; an official sees it and its file in the admin and
decides it; the decision comes back to the citizen. Screenshots in artifacts/screenshots/."""
import re

import pytest
from django.core import mail

from appeals.models import Appeal
from tests.browser.test_admin_browser import CHROMIUM, browser, log_in, shot  # noqa: F401  (shared fixtures)
from tests.browser.test_appeals_browser import decide
from tests.fixtures.admin import make_citizen, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason=f"{CHROMIUM} not installed")]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


@pytest.fixture
def liu(agencies, official, second_official, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    citizen = make_citizen(name="Liu Hu")
    citizen.email = "liu.hu@example.org"
    citizen.save(update_fields=["email"])
    event = report(citizen, "unpaid_court_judgment", "court", days_ago=5)
    citizen.refresh_from_db()
    return citizen, event


def new_page(browser, size):  # noqa: F811
    context = browser.new_context(viewport=SIZES[size], accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def citizen_signs_in(page, live_server, citizen, size):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/")
    shot(page, f"30-portal-sign-in-{size}")
    page.fill("#id_resident_id", citizen.resident_id)
    page.click("#send-code")
    expect(page.locator("#code-sent")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert mail.outbox[-1].to == [citizen.email]
    page.fill("#id_code", code)
    page.click("#sign-in")
    expect(page.locator("#score")).to_have_text(str(citizen.score))


@pytest.mark.parametrize("size", list(SIZES))
def test_citizen_signs_in_reads_contests_and_sees_the_decision(browser, live_server, liu, size, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    citizen, event = liu
    page = new_page(browser, size)
    citizen_signs_in(page, live_server, citizen, size)
    expect(page.locator(f"#entry-{event.entries.get().pk}")).to_contain_text("Legal basis")
    expect(page.locator("#chart svg")).to_be_visible()
    shot(page, f"31-portal-record-{size}")

    with page.expect_download() as download:
        page.click("#statement-pdf")
    path = tmp_path / "statement.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")

    slip = tmp_path / "transfer-slip.pdf"
    slip.write_bytes(b"%PDF-1.4\n% bank transfer slip\n%%EOF\n")
    page.click(f"a[href='/events/{event.pk}/appeal/']")
    page.check("input[name=claim][value=paid]")
    page.fill("#id_grounds", "I paid the judgment by bank transfer on 3 November.")
    page.set_input_files("#id_files", str(slip))
    shot(page, f"32-portal-appeal-form-{size}")
    page.click("#file-appeal")
    expect(page.locator("#appeal-state")).to_have_attribute("data-state", "filed")
    expect(page.locator("#evidence")).to_contain_text("transfer-slip.pdf")
    shot(page, f"33-portal-appeal-filed-{size}")
    appeal = Appeal.objects.get(event=event)
    assert appeal.channel == "portal" and appeal.evidence_files.count() == 1

    staff = new_page(browser, "desktop")
    log_in(staff, live_server, "official2")
    staff.goto(f"{live_server.url}/admin/appeals/appeal/{appeal.pk}/change/")
    expect(staff.locator("a.evidence-download")).to_have_text("transfer-slip.pdf")
    shot(staff, f"34-admin-sees-portal-appeal-{size}")
    with staff.expect_download() as evidence:
        staff.click("a.evidence-download")
    assert open(evidence.value.path(), "rb").read() == slip.read_bytes()
    decide(staff, "review")
    decide(staff, "uphold", "The bank confirms the transfer of 3 November.")
    expect(staff.locator("ul.messagelist li")).to_contain_text("upheld")
    staff.context.close()

    page.reload()
    expect(page.locator("#appeal-state")).to_have_attribute("data-state", "upheld")
    expect(page.locator("#decision")).to_contain_text("The bank confirms the transfer of 3 November.")
    shot(page, f"35-portal-decision-{size}")
    page.goto(f"{live_server.url}/record/")
    citizen.refresh_from_db()
    expect(page.locator("#score")).to_have_text(str(citizen.score))
    page.context.close()
