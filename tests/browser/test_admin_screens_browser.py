"""The officials' screens at 1366×768 in headless Chromium: no list scrolls sideways, no list cell shows
an internal code or JSON, the site has an icon. Screenshots go to artifacts/screenshots/ (gitignored).
"""
import datetime
import json
import re

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse

from appeals import services as appeals
from appeals.models import Appeal
from officials.services import adjustment_propose
from points.models import Agency
from rules.registry import current_policy
from tests.browser.test_admin_browser import CHROMIUM, browser, log_in, shot  # noqa: F401  (shared fixtures)
from tests.fixtures.admin import make_citizen, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason=f"{CHROMIUM} not installed")]

WIDTH, HEIGHT = 1366, 768


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def register(agencies, official, second_official, superuser):
    """People with long names, every kind of event, appeals in each state (one overdue), a proposal."""
    wang = make_citizen(name="欧阳娜娜 Ouyang Nana-Wangji", district="王集镇")
    li = make_citizen(name="李雷", district="睢城街道")
    report(wang, "blood_donation", "red_cross", {"millilitres": 400}, days_ago=200)
    report(wang, "traffic_violation", "police", {"severity": "minor"}, days_ago=100)
    report(li, "helping_poor", "community", {"media_reported": True}, days_ago=90)
    report(li, "elderly_care", "civil_affairs", {"months": 12}, days_ago=80)
    # Filed 35 days ago, so its 30-day decision deadline has passed (the application may not move a deadline).
    with time_machine.travel(datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=35), tick=False):
        overdue = appeals.appeal_file(event=report(wang, days_ago=5), grounds="Not me.", by="official1")
    reviewed = appeals.appeal_file(event=report(li, "bribery_conviction", days_ago=20), grounds="Wrong.",
                                   by="official1")
    appeals.appeal_start_review(appeal=reviewed, by="official2")
    appeals.appeal_file(event=report(li, "unpaid_court_judgment", days_ago=10), grounds="Paid.", by="official1")
    adjustment_propose(citizen=li, points=5, reason="Volunteered at the flood shelter", user=official)
    return {"overdue": overdue, "on_time": Appeal.objects.exclude(pk=overdue.pk)}


def changelists() -> list:
    return sorted(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
                  for model in admin.site._registry)


def widths(page) -> tuple:
    """The page's and the result table's box (Django's admin scrolls a wide table inside its own box)."""
    return page.evaluate("""() => {
        const page = document.scrollingElement, box = document.querySelector('#changelist .results');
        return [page.scrollWidth, page.clientWidth, box ? box.scrollWidth : 0, box ? box.clientWidth : 0];
    }""")


def cell_texts(page) -> list:
    return page.eval_on_selector_all("#result_list tbody td, #result_list tbody th",
                                     "cells => cells.map(c => c.innerText)")


def codes() -> set:
    policy = current_policy()
    return {*policy.event_types, *(s for s in Appeal.State.values if "_" in s)}


def test_every_changelist_fits_1366_without_scrolling_sideways(page, live_server, register):
    log_in(page, live_server, "root")
    too_wide = {}
    for url in changelists():
        page.goto(live_server.url + url)
        scroll, client, table, box = widths(page)
        if scroll > client or table > box:
            too_wide[url] = (scroll, client, table, box)
        shot(page, "screens-" + url.strip("/").replace("/", "-"))
    assert too_wide == {}


@pytest.mark.parametrize("url", ["/admin/points/event/", "/admin/appeals/appeal/", "/admin/points/ledgerentry/",
                                 "/admin/officials/adjustmentproposal/", "/admin/points/agency/"])
def test_lists_show_titles_never_codes_or_json(page, live_server, register, url):
    log_in(page, live_server, "root")
    page.goto(live_server.url + url)
    texts = cell_texts(page)
    assert texts, f"{url} lists nothing"
    shown = " | ".join(texts)
    found = sorted(code for code in codes() if re.search(rf"(?<![\w-]){code}(?![\w-])", shown))
    assert found == [], f"{url} shows codes {found}"
    assert "{" not in shown and not re.search(r"\b[0-9a-f]{12}\b", shown), shown  # no JSON, no hash
    filters = page.eval_on_selector_all("#changelist-filter a", "links => links.map(a => a.innerText)")
    agency_codes = set(Agency.objects.values_list("code", flat=True))
    assert not [f for f in filters if f.strip() in codes() | agency_codes
                or re.search(r"\(([a-z_]+)\)$", f) and re.search(r"\(([a-z_]+)\)$", f)[1] in agency_codes], filters


def test_the_event_page_shows_attributes_as_fields_and_the_correct_form_is_typed(page, live_server, register):
    from points.models import Event

    event = Event.objects.get(event_type="traffic_violation")
    log_in(page, live_server, "official1")
    page.goto(f"{live_server.url}/admin/points/event/{event.pk}/change/")
    body = page.inner_text("#content")
    assert "Severity: minor" in body and json.dumps(event.attributes) not in body
    assert current_policy().event_types["traffic_violation"].title in body
    page.goto(f"{live_server.url}/admin/points/event/{event.pk}/correct/")
    options = page.eval_on_selector_all("select[name=attribute_severity] option", "o => o.map(x => x.value)")
    assert options == ["minor", "serious"] and page.locator("textarea[name=attributes]").count() == 0
    shot(page, "screens-correct-form")


def test_only_the_overdue_appeal_is_marked_overdue(page, live_server, register):
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/appeals/appeal/")
    marked = page.eval_on_selector_all(
        "#result_list tbody tr", "rows => rows.filter(r => r.querySelector('.appeal-overdue'))"
                                 ".map(r => r.querySelector('th').innerText.trim())")
    assert marked == [str(register["overdue"].pk)]
    assert page.locator("#result_list img[alt=False]").count() == 0  # no red mark for "not overdue"
    assert "under review" in page.inner_text("#result_list") and "under_review" not in page.inner_text("body")


def test_the_citizen_page_is_read_only_until_edit(page, live_server, register):
    from citizens.models import Citizen

    li = Citizen.objects.get(name="李雷")
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/citizens/citizen/{li.pk}/change/")
    assert page.locator("#citizen_form input[name=name], #citizen_form select[name=district]").count() == 0
    assert page.locator("input[name=_save]").count() == 0
    page.click("#edit-citizen")
    page.fill("input[name=name]", "李雷雷")
    page.click("input[name=_save]")
    li.refresh_from_db()
    assert li.name == "李雷雷"


def test_header_icon_and_proposal_title(page, live_server, register, settings):
    from officials.models import AdjustmentProposal

    responses = []
    page.on("response", lambda r: responses.append((r.url, r.status)))
    log_in(page, live_server, "root")
    assert page.inner_text("#site-name") == "睢宁县积分管理 / Suining points office"
    icons = [(url, status) for url, status in responses if "favicon" in url]
    assert icons and all(status == 200 for _, status in icons), icons
    assert page.request.get(f"{live_server.url}/favicon.ico").status == 200
    proposal = AdjustmentProposal.objects.get()
    page.goto(f"{live_server.url}/admin/officials/adjustmentproposal/{proposal.pk}/change/")
    title = page.inner_text("#content h2, #content-main h2, .breadcrumbs")
    assert "李雷" in title and f"for {proposal.citizen_id}" not in title
    page.goto(f"{live_server.url}/admin/policy/")
    assert current_policy().version[:12] not in page.content()
    shot(page, "screens-policy")
