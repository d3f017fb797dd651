"""Evidence files of appeals: checked by their content, stored outside the web root, read back by id.

A file's type is what its first bytes say (PDF ``%PDF-``, PNG's eight-byte signature, JPEG's
``FF D8 FF``), never its name or the browser's Content-Type: a program renamed ``receipt.pdf`` is
refused. Files go under ``settings.EVIDENCE_ROOT`` with a random name; only views that check who
asks (the citizen's portal, the appeals admin) read them back.
"""
import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from appeals.models import Evidence
from core.exceptions import ValidationFailed

SIGNATURES = [(b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg")]
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def sniff(head: bytes) -> str | None:
    """The content type the first bytes show, if one of the accepted ones."""
    return next((kind for signature, kind in SIGNATURES if head.startswith(signature)), None)


def evidence_check(uploads) -> list[tuple]:
    """(upload, content type) for each file; refuses the lot, naming the file, if one is too large,
    not a PDF/JPEG/PNG by content, or there are too many. Nothing is written."""
    uploads = list(uploads)
    if len(uploads) > settings.EVIDENCE_MAX_FILES:
        raise ValidationFailed(_("At most %(count)d files can go with one appeal.") % {
            "count": settings.EVIDENCE_MAX_FILES}, field_errors={"files": ["too_many"]})
    checked = []
    for upload in uploads:
        name = _display_name(upload.name)
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            raise ValidationFailed(
                _("“%(name)s” is %(size).1f MB; each file may be at most %(max)d MB.") % {
                    "name": name, "size": upload.size / 1048576, "max": settings.EVIDENCE_MAX_BYTES // 1048576},
                field_errors={"files": ["too_large"]}, extra={"file": name})
        upload.seek(0)
        kind = sniff(upload.read(16))
        upload.seek(0)
        if kind is None:
            raise ValidationFailed(
                _("“%(name)s” is not a PDF, JPEG or PNG file: its content is of another kind, whatever its name "
                  "says.") % {"name": name}, field_errors={"files": ["wrong_type"]}, extra={"file": name})
        checked.append((upload, kind))
    return checked


def _display_name(name) -> str:
    return Path(str(name or "file")).name[:200] or "file"


def evidence_store(*, appeal, checked, by: str, now) -> list[Evidence]:
    """Write the checked files and their rows (in the caller's transaction). If a row cannot be written,
    the files written so far are removed again before the error goes on."""
    root = Path(settings.EVIDENCE_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    written, rows = [], []
    try:
        for upload, kind in checked:
            stored = secrets.token_hex(16) + EXTENSIONS[kind]
            digest = hashlib.sha256()
            with open(root / stored, "xb") as out:
                written.append(root / stored)
                for chunk in upload.chunks():
                    digest.update(chunk)
                    out.write(chunk)
            rows.append(Evidence.objects.create(
                appeal=appeal, file_name=_display_name(upload.name), content_type=kind, size=upload.size,
                sha256=digest.hexdigest(), stored_name=stored, uploaded_at=now, uploaded_by=by))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return rows


def evidence_path(evidence: Evidence) -> Path:
    return Path(settings.EVIDENCE_ROOT) / evidence.stored_name
