"""Appeals decided in a real browser (headless Chromium): one official files, another reviews and
upholds or rejects by clicking; the filer is refused (separation of duties). Screenshots in artifacts/screenshots/.
"""
import pytest

from appeals.models import Appeal
from points.models import Event
from tests.browser.test_admin_browser import CHROMIUM, browser, log_in, page, shot  # noqa: F401  (shared fixtures)
from tests.fixtures.admin import make_citizen, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason=f"{CHROMIUM} not installed")]


@pytest.fixture
def contested(agencies, official, second_official):
    citizen = make_citizen(name="Zhang Wei")
    upheld, rejected = report(citizen, days_ago=30), report(citizen, "bribery_conviction", days_ago=20)
    citizen.refresh_from_db()
    return citizen, upheld, rejected


def file_appeal(page, live_server, event, grounds) -> Appeal:  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/admin/points/event/{event.pk}/change/")
    page.click("#appeal-event")
    page.fill("#id_grounds", grounds)
    page.click("#appeal-file input[type=submit]")
    expect(page.locator("ul.messagelist li")).to_contain_text("filed")
    return Appeal.objects.get(event=event)


def decide(page, action, reasons=""):  # noqa: F811
    """On the appeal's page: open the Decide page, choose, give reasons, click Record."""
    page.click("#appeal-decide-link")
    page.check(f"#appeal-decide input[name=action][value={action}]")
    if reasons:
        page.fill("#id_reasons", reasons)
    page.click("#appeal-record")


def test_officials_review_uphold_and_reject_by_clicking(page, live_server, contested):  # noqa: F811
    from playwright.sync_api import expect

    citizen, upheld, rejected = contested
    before = citizen.score
    log_in(page, live_server, "official1")
    first = file_appeal(page, live_server, upheld, "Not me: same name, other ID.")
    second = file_appeal(page, live_server, rejected, "The conviction was quashed.")

    # The filer may not decide: no Decide link, and the page itself refuses.
    expect(page.locator("#appeal-decision")).to_contain_text("another official reviews and decides")
    expect(page.locator("#appeal-decide-link")).to_have_count(0)
    page.goto(f"{live_server.url}/admin/appeals/appeal/{second.pk}/decide/")
    page.check("#appeal-decide input[name=action][value=review]")
    page.click("#appeal-record")
    expect(page.locator("#appeal-decide .errornote")).to_contain_text("filed an appeal cannot review")
    shot(page, "11-appeal-filer-refused")
    assert Appeal.objects.get(pk=second.pk).state == "filed"

    page.context.clear_cookies()
    log_in(page, live_server, "official2")
    page.goto(f"{live_server.url}/admin/appeals/appeal/{first.pk}/change/")
    decide(page, "review")
    expect(page.locator("ul.messagelist li")).to_contain_text("under review")
    decide(page, "uphold", "Court confirms a different person.")
    expect(page.locator("ul.messagelist li")).to_contain_text("upheld")
    shot(page, "12-appeal-upheld")
    first.refresh_from_db()
    citizen.refresh_from_db()
    deducted = -sum(e.delta for e in upheld.entries.all() if e.kind == "rule")
    assert (first.state, first.decided_by) == ("upheld", "official2")
    assert Event.objects.get(pk=upheld.pk).status == "voided" and citizen.score == before + deducted

    page.goto(f"{live_server.url}/admin/appeals/appeal/{second.pk}/change/")
    decide(page, "review")
    decide(page, "reject", "The conviction is final.")
    expect(page.locator("ul.messagelist li")).to_contain_text("rejected")
    shot(page, "13-appeal-rejected")
    second.refresh_from_db()
    citizen.refresh_from_db()
    assert (second.state, second.decision_reasons) == ("rejected", "The conviction is final.")
    assert Event.objects.get(pk=rejected.pk).status == "applied" and citizen.score == before + deducted
