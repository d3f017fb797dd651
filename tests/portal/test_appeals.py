"""Contesting an entry from the portal: grounds and evidence files checked by content and size,
stored outside the web root, served only to the citizen and officials; status, the source's answer
and the decision come back; withdrawal; another person's ids are a 404 and write nothing."""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, Evidence
from points.models import Agency
from tests.portal.conftest import sign_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def upload(name, content, kind="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=kind)


def file_appeal(client, event, files=(), grounds="I paid it on 3 November; the slip is attached.", claim="paid"):
    return client.post(f"/events/{event.pk}/appeal/", {"grounds": grounds, "claim": claim, "files": list(files)})


def error_code(response):
    import re

    return re.search(rb'data-code="([^"]+)"', response.content).group(1).decode()


def test_file_an_appeal_with_evidence_and_follow_it(liu_client, liu, settings):
    form = liu_client.get(f"/events/{liu.contested.pk}/appeal/")
    assert form.status_code == 200 and b"Unpaid court judgment" in form.content
    response = file_appeal(liu_client, liu.contested, [upload("slip.pdf", PDF), upload("photo.png", PNG, "image/png")])
    assert response.status_code == 302
    appeal = Appeal.objects.get(event=liu.contested)
    assert (appeal.channel, appeal.claim, appeal.citizen_id) == ("portal", "paid", liu.pk)
    assert appeal.filed_by.startswith("citizen:") and liu.resident_id not in appeal.filed_by
    files = list(appeal.evidence_files.order_by("id"))
    assert [(f.file_name, f.content_type) for f in files] == [("slip.pdf", "application/pdf"),
                                                              ("photo.png", "image/png")]
    stored = settings.EVIDENCE_ROOT / files[0].stored_name
    assert stored.read_bytes() == PDF
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    page = liu_client.get(response["Location"]).content.decode()
    assert 'data-state="filed"' in page
    assert appeal.source_due.isoformat() in page and appeal.deadline.isoformat() in page
    download = liu_client.get(f"/appeals/{appeal.pk}/files/{files[0].pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_the_sources_answer_and_the_decision_come_back(liu_client, liu, official, second_official):
    file_appeal(liu_client, liu.contested, [upload("slip.pdf", PDF)])
    appeal = Appeal.objects.get(event=liu.contested)
    services.appeal_answer(appeal=appeal, agency=Agency.objects.get(code="court"), answer="confirm",
                           reasons="No payment was received.", evidence=["ledger 2026/11"])
    page = liu_client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "No payment was received." in page
    services.appeal_start_review(appeal=appeal, by="official2")
    services.appeal_uphold(appeal=appeal, reasons="The bank confirms the transfer.", by="official2")
    page = liu_client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert 'data-state="upheld"' in page and "The bank confirms the transfer." in page


def test_oversized_file_is_refused_and_nothing_written(liu_client, liu, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = file_appeal(liu_client, liu.contested, [upload("big.pdf", PDF + b"0" * 2048)])
    assert response.status_code == 400 and error_code(response) == "invalid"
    assert "big.pdf" in response.content.decode() and "at most" in response.content.decode()
    assert not Appeal.objects.exists() and not Evidence.objects.exists()
    assert not settings.EVIDENCE_ROOT.exists() or not any(settings.EVIDENCE_ROOT.iterdir())


def test_ten_megabytes_is_the_default_limit(settings):
    assert settings.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024


def test_exe_renamed_pdf_is_refused_by_its_content(liu_client, liu, settings):
    response = file_appeal(liu_client, liu.contested, [upload("receipt.pdf", EXE)])
    assert response.status_code == 400
    assert "receipt.pdf" in response.content.decode() and "not a PDF, JPEG or PNG" in response.content.decode()
    assert not Appeal.objects.exists() and not Evidence.objects.exists()


def test_grounds_are_required(liu_client, liu):
    response = file_appeal(liu_client, liu.contested, [upload("slip.pdf", PDF)], grounds="")
    assert response.status_code == 400 and not Appeal.objects.exists()


def test_late_filing_is_refused_with_the_day_the_window_ended(liu, time_machine):
    time_machine.move_to(timezone.now() + datetime.timedelta(days=90))
    client = sign_in(Client(), liu)
    assert b"The time to appeal ended on" in client.get("/record/").content
    response = file_appeal(client, liu.contested, [upload("slip.pdf", PDF)])
    assert response.status_code == 400 and "Your time to appeal this entry ended on" in response.content.decode()
    assert not Appeal.objects.exists()


def test_withdraw(liu_client, liu):
    file_appeal(liu_client, liu.contested, [upload("slip.pdf", PDF)])
    appeal = Appeal.objects.get(event=liu.contested)
    assert liu_client.post(f"/appeals/{appeal.pk}/withdraw/", {"reasons": "Settled."}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "withdrawn" and "Settled." in appeal.decision_reasons
    again = liu_client.post(f"/appeals/{appeal.pk}/withdraw/", {})
    assert again.status_code == 409 and error_code(again) == "invalid_state"


def test_someone_elses_ids_are_404_and_write_nothing(liu_client, liu, other):
    other_client = sign_in(Client(), other)
    file_appeal(other_client, other.contested, [upload("mine.pdf", PDF)])
    theirs = Appeal.objects.get(event=other.contested)
    evidence = theirs.evidence_files.get()
    before = (Appeal.objects.count(), Evidence.objects.count(), theirs.state)
    assert liu_client.get(f"/events/{other.contested.pk}/appeal/").status_code == 404
    assert file_appeal(liu_client, other.contested, [upload("x.pdf", PDF)]).status_code == 404
    assert liu_client.get(f"/appeals/{theirs.pk}/").status_code == 404
    assert liu_client.post(f"/appeals/{theirs.pk}/withdraw/", {}).status_code == 404
    assert liu_client.get(f"/appeals/{theirs.pk}/files/{evidence.pk}/").status_code == 404
    # Their file under my appeal's id: the pair must match too.
    file_appeal(liu_client, liu.contested, [upload("slip.pdf", PDF)])
    mine = Appeal.objects.get(event=liu.contested)
    assert liu_client.get(f"/appeals/{mine.pk}/files/{evidence.pk}/").status_code == 404
    assert liu_client.get(f"/record/{other.resident_id}/").status_code == 404
    assert liu_client.get(f"/statement/?resident_id={other.resident_id}").content.count(
        other.resident_id.encode()) == 0
    theirs.refresh_from_db()
    assert (Appeal.objects.count() - 1, Evidence.objects.count() - 1, theirs.state) == before


def test_signed_out_visitors_reach_nothing(liu, other, client):
    for url in ("/record/", "/statement/", "/statement.pdf", "/appeals/", "/who-looked/", "/notices/",
                f"/events/{liu.contested.pk}/appeal/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/sign-in/", url


def test_appeal_form_needs_csrf(liu):
    strict = Client(enforce_csrf_checks=True)
    session_client = sign_in(Client(), liu)
    strict.cookies = session_client.cookies
    response = strict.post(f"/events/{liu.contested.pk}/appeal/", {"grounds": "x", "claim": "wrong"})
    assert response.status_code == 403 and not Appeal.objects.exists()


def test_officials_see_and_download_the_files_in_the_admin(liu_client, liu, official):
    file_appeal(liu_client, liu.contested, [upload("slip.pdf", PDF)])
    appeal = Appeal.objects.get(event=liu.contested)
    evidence = appeal.evidence_files.get()
    staff = Client()
    staff.force_login(official)
    page = staff.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    url = f"/admin/appeals/appeal/{appeal.pk}/evidence/{evidence.pk}/"
    assert url in page and "slip.pdf" in page
    download = staff.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    # The citizen's session is not staff: the admin's download sends them to the login.
    assert liu_client.get(url).status_code == 302
