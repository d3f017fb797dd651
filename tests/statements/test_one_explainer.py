"""One explainer: every kind of ledger entry reads the same on the API, the admin's citizen page, the
statement (HTML, JSON and PDF) and in the notices, because all of them print ``entry_explanation``'s text.

The record is built through the services only (reports, a correction, a retraction, a four-eyes
adjustment, a migrated report, an appeal that is suspended and then rejected, a lift, an expiry), with
the clock moved forward as the events happen.
"""
import html
import re
import shutil
import subprocess

import pytest
from django.contrib.auth.models import Permission

from notices.models import Notice
from points.explain import entry_explanation
from points.models import LedgerEntry
from rules.registry import current_policy
from tests.api.conftest import basic_client, staff_user


def squeeze(text: str) -> str:
    """Text without any white space: the PDF breaks a cell's text into lines anywhere."""
    return "".join(text.split())


def explained(citizen) -> list:
    policy = current_policy()
    entries = LedgerEntry.objects.filter(citizen=citizen).order_by("id")
    return [(entry, entry_explanation(entry=entry, policy=policy)) for entry in entries]


def surfaces(client, citizen, tmp_path) -> dict:
    """What each surface shows, as a person reads it (HTML unescaped)."""
    viewer = staff_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_citizen"))
    client.force_login(viewer)
    api_client = basic_client("viewer")
    api = api_client.get(f"/api/v1/citizens/{citizen.resident_id}/ledger/?page_size=500")
    statement_json = api_client.get(f"/api/v1/citizens/{citizen.resident_id}/statement/")
    admin_page = client.get(f"/admin/citizens/citizen/{citizen.pk}/change/")
    statement_html = client.get(f"/admin/statements/{citizen.resident_id}/")
    pdf = client.get(f"/admin/statements/{citizen.resident_id}/pdf/")
    for response in (api, statement_json, admin_page, statement_html, pdf):
        assert response.status_code == 200, response.content[:500]
    (tmp_path / "statement.pdf").write_bytes(pdf.content)
    pdf_text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "statement.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
    return {
        "api": {row["id"]: row["explanation"] for row in api.json()["results"]},
        "statement JSON": {line["entry_id"]: line["text"] for line in statement_json.json()["lines"]},
        "admin citizen page": html.unescape(admin_page.content.decode()),
        "statement HTML": html.unescape(statement_html.content.decode()),
        "statement PDF": squeeze(pdf_text),
        "notices": "\n".join(Notice.objects.filter(citizen=citizen).values_list("body", flat=True)),
    }


def test_the_record_has_every_kind_of_entry(record):
    lines = explained(record)
    assert {entry.kind for entry, _ in lines} == set(LedgerEntry.Kind.values)
    rules = [entry for entry, _ in lines if entry.kind == "rule"]
    assert any(e.event.corrects_id for e in rules) and any(e.event.migrated for e in rules)
    assert any(e.event.event_type == "official_adjustment" for e in rules)
    assert sum(entry.delta for entry, _ in lines) == record.score


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_every_surface_prints_the_explainers_words(client, record, tmp_path):
    shown = surfaces(client, record, tmp_path)
    lines = explained(record)
    for entry, explanation in lines:
        text = explanation.text
        assert shown["api"][entry.pk] == text, entry.kind
        assert shown["statement JSON"][entry.pk] == text, entry.kind
        assert text in shown["admin citizen page"], (entry.kind, text)
        assert text in shown["statement HTML"], (entry.kind, text)
        assert squeeze(text) in shown["statement PDF"], (entry.kind, text)
        assert text in shown["notices"], (entry.kind, text)


def test_the_words_say_what_was_undone_without_ids(record):
    lines = explained(record)
    by_kind = {}
    for entry, explanation in lines:
        by_kind.setdefault(entry.kind, []).append(explanation.text)
        assert not re.search(r"\b(entry|entries|rule) #?\d", explanation.text), explanation.text
        assert entry.rule_id not in explanation.text  # titles, not codes
    texts = {kind: " | ".join(words) for kind, words in by_kind.items()}
    assert texts["opening"].startswith("Enrolled in the points register on 2025-01-02 with 1000 starting points.")
    assert "“Unpaid court judgment” of 2025-02-28" in texts["suspension"]
    assert "“Conviction for bribing an official” of 2025-02-22 were reversed" in texts["reversal"]
    assert "Reason: Reported for the wrong person." in texts["reversal"]
    assert "Reason: Corrected: Red light, not parking." in texts["reversal"]
    assert "corrects the report of 2025-02-21 (Traffic violation), which was voided" in texts["rule"]
    assert "Taken over from the earlier register." in texts["rule"]
    assert "Official adjustment on 2025-03-01, decided by the points office: +5 points." in texts["rule"]
    assert "Reason: Helped at the flood shelter." in texts["rule"]
    assert "Blood donation on 2024-06-01, reported by Suining County Red Cross: +10 points." in texts["rule"]
    assert "unpaid from 2025-02-28 to 2025-03-24; paid on 2025-03-24" in texts["lifted"]
    assert "count again from 2025-03-20" in texts["reinstated"]
    assert "“Conviction for drunk driving” of 2025-02-27 stopped counting on 2028-02-27" in texts["expiry"]


ZH_CATALOGUE = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

msgid "They stop counting on %(day)s."
msgstr "%(day)s起不再计分。"

msgctxt "day in an explanation (PHP date pattern)"
msgid "Y-m-d"
msgstr "Y年n月j日"

msgid "%(points)+d point"
msgid_plural "%(points)+d points"
msgstr[0] "%(points)+d分"
"""


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs msgfmt (gettext)")
def test_an_entry_is_worded_in_the_language_asked_for(record, settings, tmp_path):
    """The explainer's sentences go through the catalogues: a Chinese catalogue words the same entry in
    Chinese (dates included) while the active language stays English."""
    from django.utils import translation

    messages = tmp_path / "zh_Hans" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(ZH_CATALOGUE, encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(messages / "django.mo"), str(messages / "django.po")], check=True)
    settings.LOCALE_PATHS = [str(tmp_path)]
    entry = LedgerEntry.objects.filter(citizen=record, kind="rule", event__event_type="drunk_driving_conviction").get()
    with translation.override("en"):
        english = entry_explanation(entry=entry, policy=current_policy())
        chinese = entry_explanation(entry=entry, policy=current_policy(), language="zh-hans")
        assert translation.get_language() == "en"
    assert "They stop counting on 2028-02-27." in english.text and "-50 points" in english.text
    assert "2028年2月27日起不再计分。" in chinese.text and "-50分" in chinese.text
