"""The activation letter: a sign-in code on paper for people with no email or mobile on the register,
rendered like the printed notices (``notices.letters``: A4, the statement font for Chinese names)."""
import datetime
import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from portal.signin import letter_code_issue
from statements.fonts import statement_font


def activation_letter(*, citizen, by: str, site_url: str, now=None) -> bytes:
    """A new activation code for ``citizen`` (issued by ``by``), printed on one A4 page as a PDF."""
    now = now or timezone.now()
    code = letter_code_issue(citizen=citizen, by=by, now=now)
    font = statement_font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=15, wordWrap="CJK", spaceAfter=6)
    big = ParagraphStyle("code", parent=body, fontSize=20, leading=26, spaceBefore=10, spaceAfter=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=_("Activation letter"), author=_("Municipal points register"))
    lines = [citizen.name, *citizen.postal_address.splitlines()]
    story = [Paragraph(escape(line), body) for line in lines] + [Spacer(1, 12 * mm)]
    story += [Paragraph(escape(text), body) for text in (
        _("Your code to see your points record"),
        _("Go to %(url)s, choose “I have an activation letter”, and type your resident ID and this code:")
        % {"url": site_url},
    )]
    story.append(Paragraph(escape(code), big))
    story += [Paragraph(escape(text), body) for text in (
        _("The code works once, until %(day)s. Nobody from the office will ever ask you for it.")
        % {"day": timezone.localdate(now + datetime.timedelta(days=settings.PORTAL_LETTER_CODE_DAYS)).isoformat()},
        _("Printed on %(day)s.") % {"day": timezone.localdate(now).isoformat()},
    )]
    doc.build(story)
    return buffer.getvalue()
