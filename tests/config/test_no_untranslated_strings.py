"""In Chinese, no English project text shows: the admin (every changelist and a change page per
registered model, the dashboard, the policy page, a statement, the correction form), the citizen's
portal after sign-in, a notice and a PDF statement.

The project's English texts are the msgids of the zh_Hans catalogue. Each is cut at its placeholders
(``%(name)s``, ``%s``, ``{name}``), HTML tags and line breaks; a fragment of at least ``MIN_LENGTH``
characters, with at least two words, is unambiguous enough to look for. The pages' visible text
(tags, ``<script>``/``<style>`` bodies and attributes removed, entities decoded) must contain none of
them. Data values (names, grounds, case numbers) are the test's own and are not project strings; the
bilingual SITE_HEADER has no English fragment of its own in the catalogue (its msgid is Chinese).
"""
import datetime
import html
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from points.services import citizen_enroll
from tests.fixtures.admin import *  # noqa: F401,F403  (roles, agencies' users)
from tests.fixtures.admin import make_citizen, report
from tests.officials.test_admin_role_matrix import scene  # noqa: F401  (one object of every model)

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MIN_LENGTH = 12
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
_CUT = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{[^{}]*\}|<[^>]*>|\n")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def english_fragments() -> set[str]:
    """The unambiguous English pieces of the project's messages (see the module's docstring)."""
    found = set()
    for entry in polib.pofile(str(CATALOGUE)):
        translations = [entry.msgstr, *entry.msgstr_plural.values()]
        for source in filter(None, [entry.msgid, entry.msgid_plural]):
            if _HAN.search(source) or source in translations:
                continue  # written in Chinese (the site header), or the same in both languages
            for piece in _CUT.split(source):
                piece = piece.strip(" \t.,;:!?()[]'\"“”‘’-–—/")
                if "_" in piece or ".py" in piece:
                    continue  # an identifier or a command, the same in every language
                if len(piece) >= MIN_LENGTH and len(re.findall(r"[A-Za-z]{2,}", piece)) >= 2:
                    found.add(piece)
    return found


FRAGMENTS = english_fragments()


def visible_text(page: str) -> str:
    # Django names permissions in English when it creates them (Permission.name is data, not gettext).
    page = re.sub(r"<select\b[^>]*name=\"(user_)?permissions(_old)?\".*?</select>", " ", page, flags=re.S)
    page = re.sub(r"<(script|style|template)\b.*?</\1\s*>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    # A policy version's files are shown as written: bilingual YAML, its comments the authors' English.
    page = re.sub(r"<pre\b.*?</pre>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]*>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def untranslated(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text)
    return sorted(fragment for fragment in FRAGMENTS if re.sub(r"\s+", " ", fragment) in text)


def test_the_fragments_are_found_and_placeholders_cut():
    assert len(FRAGMENTS) > 300
    assert not [f for f in FRAGMENTS if "%(" in f or "{" in f or "<" in f]  # cut at placeholders and tags
    assert untranslated("<p>Nothing here</p>") == []


# Text the catalogue cannot vouch for (a string outside gettext has no msgid): the admin's headings,
# column heads, labels, breadcrumbs, search help and actions, every one of which the project or Django
# names. Each must read in Chinese: some Han character, or no Latin word at all.
_LABELS = [re.compile(p, re.S | re.I) for p in (
    r"<h1\b[^>]*>(.*?)</h1>", r"<h[23]\b[^>]*class=\"[^\"]*fieldset-heading[^>]*>(.*?)</h[23]>",
    r"<th\b[^>]*scope=\"col\"[^>]*>(.*?)</th>", r"<label\b[^>]*>(.*?)</label>",
    r"<div class=\"help\"[^>]*>(.*?)</div>", r"<select name=\"action\".*?</select>")]
_BREADCRUMBS = re.compile(r"<div class=\"breadcrumbs\">(.*?)</div>", re.S)


def english_labels(page: str) -> list[str]:
    page = re.sub(r"<(script|style|template|pre)\b.*?</\1\s*>", " ", page, flags=re.S | re.I)
    pieces = [m.group(m.lastindex or 0) for pattern in _LABELS for m in pattern.finditer(page)]
    pieces = [p for piece in pieces for p in re.split(r"<option\b[^>]*>", piece)]
    crumbs = [m.group(1).split("&rsaquo;") for m in _BREADCRUMBS.finditer(page)]
    pieces += [p for trail in crumbs for p in trail[:-1]]  # the last crumb names the object: data
    texts = {visible_text(piece).strip() for piece in pieces}
    return sorted(t for t in texts if re.search(r"[A-Za-z]{2,}", t) and not _HAN.search(t)
                  and not DATA.fullmatch(t))


# Not project text: Django's own strings its zh_Hans catalogue lacks (Django 5.2's screen-reader
# headings of the admin index), identifiers, file names and hashes.
DATA = re.compile(r"\d*\s*ID:?|[\w.-]+\.yaml|[0-9a-f]{12}|Add link|Change or view list link|Model name")
# Known and not fixed here, each with its reason. Each must still show: once fixed, the test fails
# until it is struck from this list, so the list only shrinks.
KNOWN: set[str] = set()  # English a Chinese page may still show, each with its reason
# Third-party apps (django-axes, django-otp) speak their own catalogues, which have no Simplified Chinese.
THIRD_PARTY = ("/admin/axes/", "/admin/otp_totp/")


def assert_none(found: dict) -> None:
    assert found == {}, "English in the Chinese pages:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def get_zh(client, url) -> str:
    response = client.get(url, **ZH)
    assert response.status_code == 200, (url, response.status_code)
    assert 'lang="zh-hans"' in response.content.decode() or _HAN.search(response.content.decode()), url
    return visible_text(response.content.decode())


def admin_urls(objects) -> list[str]:
    urls = []
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        obj = objects.get(meta.label_lower) or model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    return urls


@pytest.fixture
def chinese_by_default(settings):
    """The register's own records (notices, log entries) are written in Chinese, as shipped."""
    settings.LANGUAGE_CODE = "zh-hans"


def test_the_chinese_admin_shows_no_english(chinese_by_default, scene):  # noqa: F811
    superuser = scene["users"]["superuser"]
    superuser.groups.add(Group.objects.get(name="Officials"))
    client = Client()
    client.force_login(superuser)
    citizen, event = scene["citizen"], scene["event"]
    urls = ["/admin/", reverse("officials:dashboard"), reverse("officials:policy"),
            reverse("statement-html", args=[citizen.resident_id]),
            reverse("points_event_correct", args=[event.pk]),
            reverse("admin:appeals_appeal_decide", args=[scene["appeal"].pk]),
            reverse("admin:points_event_retract", args=[event.pk]),
            *admin_urls(scene["objects"])]
    found, labels = {}, {}
    for url in urls:
        response = client.get(url, **ZH)
        assert response.status_code == 200, (url, response.status_code)
        if words := untranslated(visible_text(response.content.decode())):
            found[url] = words
        if not url.startswith(THIRD_PARTY) and (words := english_labels(response.content.decode())):
            labels[url] = words
    assert_none(found)
    assert_none({url: rest for url, words in labels.items() if (rest := sorted(set(words) - KNOWN))})
    assert sorted(KNOWN - {w for words in labels.values() for w in words}) == [], "fixed: strike from KNOWN"


@pytest.fixture
def signed_in(agencies, official, settings, tmp_path):
    """A citizen with a deduction, an appeal against another and a notice, signed in to the portal."""
    from appeals.services import appeal_file
    from tests.portal.conftest import sign_in

    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    citizen = make_citizen(name="Liu Hu", enrol=False)
    citizen.email, citizen.preferred_language = "liu.hu@example.org", "zh-hans"
    citizen.contact_consent, citizen.contact_consent_at = True, timezone.now()
    citizen.save(update_fields=["email", "preferred_language", "contact_consent", "contact_consent_at"])
    citizen_enroll(citizen=citizen, at=timezone.now() - datetime.timedelta(days=400))
    contested = report(citizen, "unpaid_court_judgment", "court", days_ago=5)
    appealed = report(citizen, "drunk_driving_conviction", "court", days_ago=8)
    appeal = appeal_file(event=appealed, grounds="我已付款。", by="citizen")
    client = Client(**ZH)
    first_page = visible_text(client.get("/", **ZH).content.decode())
    sign_in(client, citizen)
    return {"client": client, "citizen": citizen, "contested": contested, "appeal": appeal,
            "first_page": first_page}


def test_the_chinese_portal_shows_no_english(signed_in):
    client, appeal = signed_in["client"], signed_in["appeal"]
    urls = ["/record/", "/statement/", "/appeals/", f"/appeals/{appeal.pk}/",
            f"/events/{signed_in['contested'].pk}/appeal/", "/who-looked/", "/notices/"]
    found = {url: words for url in urls if (words := untranslated(get_zh(client, url)))}
    if words := untranslated(signed_in["first_page"]):
        found["/"] = words
    code_mail = [m for m in mail.outbox if signed_in["citizen"].email in m.to][-1]
    if words := untranslated(f"{code_mail.subject}\n{code_mail.body}"):
        found["sign-in code"] = words
    assert_none(found)


def test_notices_for_a_chinese_reader_show_no_english(signed_in):
    from notices.models import Notice

    notices = Notice.objects.filter(citizen=signed_in["citizen"])
    assert {"points", "appeal_filed"} <= set(notices.values_list("kind", flat=True))
    found = {n.kind: words for n in notices if (words := untranslated(f"{n.subject}\n{n.body}"))}
    assert_none(found)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_the_chinese_pdf_statement_shows_no_english(signed_in, tmp_path):
    from statements.pdf import statement_pdf
    from statements.selectors import citizen_statement

    with translation.override("zh-hans"):
        pdf = statement_pdf(citizen_statement(citizen=signed_in["citizen"]))
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert _HAN.search(text)
    assert untranslated(text) == []
