"""End to end in headless Chromium (Debian's package): an official finds a citizen, reads the record,
retracts an event, sees the score change and opens the dashboard. Screenshots go to artifacts/screenshots/.
"""
import os
import re
import shutil
from pathlib import Path

import pytest

from citizens.masking import mask_resident_id
from points.models import Event
from tests.fixtures.admin import PASSWORD, make_citizen, report

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


@pytest.fixture
def scenario(agencies, official):
    wang = make_citizen(name="Wang Fang", district="Suicheng")
    make_citizen(name="Li Lei", district="Wangji")
    report(wang, "blood_donation", "red_cross", days_ago=200)
    report(wang, "traffic_violation", "police", {"severity": "minor"}, days_ago=100)
    conviction = report(wang, "drunk_driving_conviction", "court", days_ago=20)
    wang.refresh_from_db()
    return wang, conviction


def test_official_finds_citizen_reads_record_and_retracts_an_event(page, live_server, scenario):
    from playwright.sync_api import expect

    wang, conviction = scenario
    deducted = -sum(e.delta for e in conviction.entries.all())
    log_in(page, live_server, "official1")

    # Find the citizen by name.
    page.click("text=Citizens")
    page.fill("#searchbar", "Wang")
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    shot(page, "01-citizen-search")
    page.click(f"#result_list a:has-text('{mask_resident_id(wang.resident_id)}')")  # lists show IDs masked

    # The record: score, eligibility, ledger and a rendered chart.
    expect(page.locator("#citizen-score")).to_have_text(str(wang.score))
    expect(page.locator("#eligibility tbody tr").first).to_be_visible()
    expect(page.locator("#ledger tr.ledger-entry")).to_have_count(wang.ledger.count())
    chart = page.locator("#score-chart svg.chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    assert page.locator("#score-chart svg.chart path.score-line").count() == 1
    shot(page, "02-citizen-detail")

    # Retract the conviction from the events list, with a written reason.
    page.click("text=Events")
    page.check(f"input[name=_selected_action][value='{conviction.pk}']")
    page.select_option("select[name=action]", "retract_selected")
    page.click("button[name=index]")
    expect(page.locator("body.retract-confirmation")).to_be_visible()
    page.fill("#id_reason", "Conviction quashed on appeal")
    shot(page, "03-retract-confirmation")
    page.click("#retract-form input[type=submit]")
    expect(page.locator("ul.messagelist li.success")).to_contain_text(f"#{conviction.pk}")
    shot(page, "04-retracted")
    conviction.refresh_from_db()
    assert conviction.status == Event.Status.RETRACTED

    # Back on the record, the points are back.
    page.goto(f"{live_server.url}/admin/citizens/citizen/{wang.pk}/change/")
    expect(page.locator("#citizen-score")).to_have_text(str(wang.score + deducted))
    expect(page.locator("#ledger tr.kind-reversal")).to_contain_text("Conviction quashed on appeal")
    shot(page, "05-citizen-after-retraction")


def test_official_opens_the_dashboard_and_filters_by_district(page, live_server, scenario):
    from playwright.sync_api import expect

    log_in(page, live_server, "official1")
    page.click("#officials-links a:has-text('Dashboard')")
    expect(page.locator("svg.chart")).to_have_count(4)
    for chart in page.locator("svg.chart").all():
        assert chart.bounding_box()["width"] > 300
    shot(page, "06-dashboard")
    page.select_option("#district", "Wangji")
    page.click("#dashboard-filters input[type=submit]")
    expect(page).to_have_url(re.compile(r"district=Wangji"))
    expect(page.locator("#grade-distribution table")).to_contain_text("100.0 %")
    shot(page, "07-dashboard-wangji")
    page.click("#site-name a")
    page.click("#officials-links a:has-text('Policy in force')")
    expect(page.locator("#rules tbody tr").first).to_be_visible()
    shot(page, "10-policy")


def test_four_eyes_adjustment_in_the_browser(page, live_server, scenario, second_official):
    from playwright.sync_api import expect

    wang, _ = scenario
    log_in(page, live_server, "official1")
    page.goto(f"{live_server.url}/admin/citizens/citizen/{wang.pk}/change/")
    page.click("text=Propose adjustment")
    page.fill("#id_points", "25")
    page.fill("#id_reason", "Fine was paid to a mistyped account; payment confirmed by the court")
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    page.click("#result_list tbody tr a >> nth=0")
    expect(page.locator("#approve-adjustment")).to_have_count(0)  # not for the proposer
    shot(page, "08-adjustment-pending")

    page.context.clear_cookies()
    log_in(page, live_server, "official2")
    page.goto(f"{live_server.url}/admin/citizens/citizen/{wang.pk}/change/")
    page.click("#standing a:has-text('adjustment #')")
    page.click("#approve-adjustment")
    expect(page.locator("ul.messagelist li.success")).to_contain_text("+25 points")
    page.goto(f"{live_server.url}/admin/citizens/citizen/{wang.pk}/change/")
    expect(page.locator("#citizen-score")).to_have_text(str(wang.score + 25))
    expect(page.locator("#ledger")).to_contain_text("proposed by official1, approved by official2")
    shot(page, "09-adjustment-applied")
