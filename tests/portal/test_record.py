"""The record page: score, grade, services, every entry explained by points.explain, the chart by
date of occurrence, the statement as HTML and PDF, who looked, and the notices; reads logged."""
import pytest

from audit.models import AccessLog
from audit.services import access_log_record
from points.explain import entry_explanation
from points.models import LedgerEntry
from portal.selectors import score_history
from rules.registry import current_policy
from tests.fixtures.admin import report

pytestmark = pytest.mark.django_db


def test_record_shows_standing_services_and_every_entry_explained(liu_client, liu):
    response = liu_client.get("/record/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="score">{liu.score}<' in html and f'id="grade">{liu.grade}<' in html
    policy = current_policy()
    for entry in LedgerEntry.objects.filter(citizen=liu):
        assert f'id="entry-{entry.pk}"' in html
        words = entry_explanation(entry=entry, policy=policy)
        assert words.title in html
        if words.legal_basis:
            assert words.legal_basis in html
    for code, service in policy.services.items():
        assert f"service-{code}" in html and service.name in html
    assert "<svg" in html and 'class="score-line"' in html
    assert f'/events/{liu.contested.pk}/appeal/' in html  # contestable


def test_record_read_is_access_logged_as_the_citizen(liu_client, liu):
    liu_client.get("/record/")
    row = AccessLog.objects.get(citizen=liu, action="portal.record")
    assert (row.actor_kind, row.channel) == ("citizen", "portal")
    assert liu.resident_id not in row.actor  # masked


def test_chart_orders_by_date_of_occurrence(liu, agencies):
    earlier = report(liu, "blood_donation", "red_cross", days_ago=300)  # reported now, occurred long ago
    entries = list(LedgerEntry.objects.filter(citizen=liu).select_related("event").order_by("id"))
    history = score_history([(e.pk, e.kind, e.delta, e.created_at, e.event.occurred_at) for e in entries])
    moments = [moment for moment, _score in history]
    assert moments == sorted(moments)
    donation = next(e for e in entries if e.event_id == earlier.pk)
    position = [e.pk for e in sorted(entries, key=lambda e: (e.event.occurred_at, e.pk))].index(donation.pk)
    assert position < len(entries) - 1  # not last although recorded last
    assert history[-1][1] == sum(e.delta for e in entries)


def test_statement_html_and_pdf(liu_client, liu):
    html = liu_client.get("/statement/")
    assert html.status_code == 200 and liu.name in html.content.decode()
    pdf = liu_client.get("/statement.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(citizen=liu, action="statement.pdf", actor_kind="citizen").exists()


def test_who_looked_lists_agencies_and_officials(liu_client, liu):
    access_log_record(actor="police", actor_kind="agency", citizen=liu, action="eligibility.read",
                      channel="api", purpose="business_licence")
    access_log_record(actor="official1", actor_kind="user", citizen=liu, action="statement.read", channel="admin")
    liu_client.get("/record/")
    html = liu_client.get("/who-looked/").content.decode()
    assert "Suining County Public Security Bureau" in html and "official1" in html
    assert ">you<" not in html
    assert ">you<" in liu_client.get("/who-looked/?mine=1").content.decode()


def test_notices_list_and_preferences(liu_client, liu):
    from notices.models import Notice

    notice = Notice.objects.filter(citizen=liu).first()
    html = liu_client.get("/notices/").content.decode()
    assert notice is not None and notice.subject in html and notice.get_delivery_status_display() in html
    response = liu_client.post("/notices/", {"preferred_channel": "email", "contact_consent": "on"})
    assert response.status_code == 302
    liu.refresh_from_db()
    assert (liu.preferred_channel, liu.contact_consent) == ("email", True) and liu.contact_consent_at
    refused = liu_client.post("/notices/", {"preferred_channel": "sms", "contact_consent": "on"})
    assert refused.status_code == 400 and b'data-code="no_address"' in refused.content
    liu.refresh_from_db()
    assert liu.preferred_channel == "email"


def test_staff_links_on_every_page(client, db):
    html = client.get("/").content.decode()
    assert 'href="/admin/"' in html and 'href="/api/docs/"' in html


def test_every_entry_is_reachable_page_by_page(liu_client, liu, monkeypatch):
    from portal import selectors

    monkeypatch.setattr(selectors, "LINES_PER_PAGE", 1)
    newest, oldest = LedgerEntry.objects.filter(citizen=liu).order_by("-id")[:2]
    first = liu_client.get("/record/").content.decode()
    assert f'id="entry-{newest.pk}"' in first and f'id="entry-{oldest.pk}"' not in first and 'href="?page=2"' in first
    assert f'id="entry-{oldest.pk}"' in liu_client.get("/record/?page=2").content.decode()


def test_the_statement_names_the_citizens_own_reads_and_a_withdrawal(liu_client, liu):
    from appeals.services import appeal_file_by_citizen, appeal_withdraw, citizen_filer
    from statements.selectors import citizen_statement

    liu_client.get("/record/")
    appeal = appeal_file_by_citizen(citizen=liu, event=liu.contested, grounds="Not mine.")
    appeal_withdraw(appeal=appeal, by=citizen_filer(liu))
    statement = citizen_statement(citizen=liu)
    assert any(line.who == "the citizen (own portal)" for line in statement.accesses)
    assert "withdrawn by the citizen on" in statement.appeals[0].text
