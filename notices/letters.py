"""Letters: a printable PDF batch of the notices whose channel is the post (people who gave no
electronic contact or no consent). Printing a batch marks its notices delivered to the address."""
import io
from xml.sax.saxutils import escape

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from notices.models import DeliveryAttempt, Notice
from statements.fonts import statement_font


def letters_pending():
    """Letters waiting to be printed, oldest first."""
    return (Notice.objects.filter(channel=Notice.Channel.LETTER, delivery_status=Notice.Delivery.PENDING)
            .select_related("citizen").order_by("created_at", "id"))


def letters_print(*, by: str, ids=None, limit: int = 1000) -> tuple[bytes, int]:
    """Render the pending letters (those among ``ids``, or the oldest ``limit``) as one PDF, one letter
    a page, and record them delivered by post; returns the PDF and how many letters it holds."""
    now = timezone.now()
    with transaction.atomic():
        pending = letters_pending().select_for_update(of=("self",))
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        notices = list(pending[:limit])
        pdf = _render(notices, now)
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(
            delivery_status=Notice.Delivery.DELIVERED, delivered_at=now, attempts=F("attempts") + 1,
            next_attempt_at=None, last_error="")
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(notice=n, number=n.attempts + 1, channel=Notice.Channel.LETTER, started_at=now,
                            finished_at=now, outcome=DeliveryAttempt.Outcome.DELIVERED,
                            address=n.citizen.postal_address[:300], worker=_("printed by %(user)s") % {"user": by})
            for n in notices)
    return pdf, len(notices)


def _render(notices, now) -> bytes:
    font = statement_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK", spaceAfter=6)
    title = ParagraphStyle("title", parent=body, fontSize=13, leading=17, spaceBefore=12, spaceAfter=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=_("Notices by post"), author=_("Municipal points register"))
    story = []
    for notice in notices:
        citizen = notice.citizen
        story += [_p(citizen.name, body)] + [_p(line, body) for line in citizen.postal_address.splitlines()]
        story += [Spacer(1, 10 * mm), _p(_("Notice %(id)s, %(date)s") % {
            "id": notice.pk, "date": timezone.localdate(notice.created_at).isoformat()}, body)]
        story += [_p(notice.subject, title)] + [_p(part, body) for part in notice.body.split("\n\n")]
        story.append(PageBreak())
    if not story:
        story = [_p(_("No letters are waiting (printed %(date)s).") % {"date": timezone.localdate(now)}, body)]
    doc.build(story)
    return buffer.getvalue()


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)
