"""The register in Chinese in headless Chromium (locale zh-CN, so Accept-Language asks for it): an
official signs in and opens the dashboard and the event, ledger and appeals lists at 1366×768; a citizen
reads the record on a phone (390×844). Screenshots: artifacts/screenshots/zh-*.png (CI keeps them)."""
import re

import pytest
from django.core import mail

from appeals.services import appeal_file
from tests.browser.test_admin_browser import CHROMIUM, browser, log_in, shot  # noqa: F401  (shared fixtures)
from tests.fixtures.admin import make_citizen, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason=f"{CHROMIUM} not installed")]

DESKTOP, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}


def chinese_page(browser, viewport):  # noqa: F811
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def liu(agencies, official, superuser, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    citizen = make_citizen(name="刘虎")
    citizen.email = "liu.hu@example.org"
    citizen.save(update_fields=["email"])
    report(citizen, "blood_donation", "red_cross", days_ago=60)
    appeal_file(event=report(citizen, "unpaid_court_judgment", "court", days_ago=5), grounds="我已付款。",
                by="official1")
    citizen.refresh_from_db()
    return citizen


# (url, the Chinese heading it shows, screenshot name)
SCREENS = [("/admin/dashboard/", "统计面板", "zh-dashboard"), ("/admin/points/event/", "事件", "zh-events"),
           ("/admin/points/ledgerentry/", "账本记录", "zh-ledger"), ("/admin/appeals/appeal/", "申诉", "zh-appeals")]


def test_the_admin_in_chinese_at_1366(browser, live_server, liu):  # noqa: F811
    context, page = chinese_page(browser, DESKTOP)
    log_in(page, live_server, "official1")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    shot(page, "zh-admin-index")
    for url, heading, name in SCREENS:
        page.goto(live_server.url + url)
        title = page.inner_text("#content h1, #content-main h1, h1")
        assert heading in title and re.search(r"[\u4e00-\u9fff]", title), (url, title)
        assert "Select event" not in page.inner_text("body")  # Django's own changelist title, translated
        shot(page, name)
    context.close()


def test_the_citizens_record_in_chinese_on_a_phone(browser, live_server, liu):  # noqa: F811
    from playwright.sync_api import expect

    context, page = chinese_page(browser, PHONE)
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    shot(page, "zh-portal-sign-in")
    page.fill("#id_resident_id", liu.resident_id)
    page.click("#send-code")
    expect(page.locator("#code-sent")).to_be_visible()
    page.fill("#id_code", re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1))
    page.click("#sign-in")
    expect(page.locator("#score")).to_have_text(str(liu.score))
    body = page.inner_text("body")
    assert "积分" in body and "Legal basis" not in body and "Your record" not in body
    shot(page, "zh-portal-record")
    context.close()
