"""The statement as a PDF (ReportLab), with a font that shows Chinese names (``statements.fonts``)."""
import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from points.explain import day_text
from statements.fonts import statement_font
from statements.selectors import Statement


def _styles(font: str) -> dict:
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=20, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def statement_pdf(statement: Statement) -> bytes:
    """Render ``statement`` to PDF bytes (A4, page numbers in the footer)."""
    font = statement_font()
    styles = _styles(font)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=_("Statement %(rid)s") % {"rid": statement.resident_id},
                            author=_("Municipal points register"))
    footer = _("Statement for %(rid)s, generated %(at)s") % {
        "rid": statement.resident_id, "at": f"{timezone.localtime(statement.generated_at):%Y-%m-%d %H:%M}"}
    story = _header(statement, styles) + _ledger(statement, styles) + _appeals(statement, styles)
    story += _eligibility(statement, styles) + _accesses(statement, styles)
    doc.build(story, canvasmaker=_numbered_canvas(font, footer))
    return buffer.getvalue()


def _numbered_canvas(font: str, footer: str):
    """A canvas class that writes the footer with "page x of y" once every page is laid out."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._page_states = []

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for state in self._page_states:
                self.__dict__.update(state)
                self.setFont(font, 7.5)
                self.drawString(15 * mm, 8 * mm, _("%(footer)s — page %(page)s of %(pages)s") % {
                    "footer": footer, "page": self._pageNumber, "pages": len(self._page_states)})
                super().showPage()
            super().save()

    return NumberedCanvas


def _header(statement: Statement, styles) -> list:
    enrolled = day_text(statement.enrolled_at) if statement.enrolled_at else _("not enrolled")
    standing = _("%(score)s points, grade %(grade)s") % {"score": statement.score, "grade": statement.grade}
    rows = [
        [_("Name"), statement.name, _("Resident ID"), statement.resident_id],
        [_("District"), statement.district, _("Status"), statement.status],
        [_("Enrolled"), enrolled, _("Score and grade"), standing],
    ]
    table = Table([[_p(cell, styles["body"]) for cell in row] for row in rows], colWidths=[25 * mm, 60 * mm,
                                                                                          30 * mm, 65 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                               ("BACKGROUND", (2, 0), (2, -1), colors.whitesmoke)]))
    story = [_p(_("Points statement"), styles["title"]), table, Spacer(1, 3 * mm)]
    if statement.under_appeal_since:
        story.append(_p(_("An appeal against this record is open since %(day)s.") % {
            "day": day_text(statement.under_appeal_since)}, styles["body"]))
    story.append(_p(_("Policy version %(version)s. Every change of the score is listed below, oldest first; the "
                      "balance is the score after each entry.") % {"version": statement.policy_version[:12]},
                    styles["small"]))
    return story


def _ledger(statement: Statement, styles) -> list:
    header = [_("Recorded"), _("Entry"), _("What happened and why"), _("Points"), _("Balance"), _("Stops counting on")]
    rows = [[_p(h, styles["small"]) for h in header]]
    for line in statement.lines:
        rows.append([
            _p(day_text(line.at), styles["small"]), _p(line.entry_id, styles["small"]),
            _p(line.text, styles["small"]), _p(f"{line.delta:+d}", styles["small"]),
            _p(line.balance, styles["small"]),
            _p(day_text(line.expires_on) if line.expires_on else "", styles["small"]),
        ])
    table = Table(rows, colWidths=[18 * mm, 12 * mm, 102 * mm, 14 * mm, 14 * mm, 20 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
    return [_p(_("Ledger"), styles["h2"]), table]


def _appeals(statement: Statement, styles) -> list:
    story = [_p(_("Appeals"), styles["h2"])]
    if not statement.appeals:
        return story + [_p(_("No appeals."), styles["body"])]
    for appeal in statement.appeals:
        story.append(_p(appeal.text, styles["body"]))
        story.append(_p(_("Grounds: %(grounds)s") % {"grounds": appeal.grounds}, styles["small"]))
        for step in appeal.steps:
            story.append(_p(_("%(at)s %(by)s: %(from)s → %(to)s. %(reasons)s") % {
                "at": f"{timezone.localtime(step.at):%Y-%m-%d %H:%M}", "by": step.by,
                "from": step.from_label, "to": step.to_label,
                "reasons": step.reasons}, styles["small"]))
        story.append(Spacer(1, 2 * mm))
    return story


def _eligibility(statement: Statement, styles) -> list:
    story = [_p(_("Eligibility for public services today"), styles["h2"])]
    if not statement.eligibility:
        return story + [_p(_("Not enrolled: no grade, no effects."), styles["body"])]
    rows = [[_p(h, styles["small"]) for h in (_("Service"), _("Decision"), _("Reason"))]]
    rows += [[_p(d.service_name, styles["small"]), _p(d.decision, styles["small"]), _p(d.reason, styles["small"])]
             for d in statement.eligibility]
    table = Table(rows, colWidths=[35 * mm, 20 * mm, 125 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
    return story + [table]


def _accesses(statement: Statement, styles) -> list:
    story = [_p(_("Who looked at this record"), styles["h2"])]
    if not statement.accesses:
        return story + [_p(_("Nobody has looked at this record."), styles["body"])]
    rows = [[_p(h, styles["small"]) for h in (_("When"), _("Who"), _("What"), _("Purpose"))]]
    rows += [[_p(f"{timezone.localtime(a.at):%Y-%m-%d %H:%M}", styles["small"]), _p(a.who, styles["small"]),
              _p(a.what, styles["small"]), _p(a.purpose, styles["small"])] for a in statement.accesses]
    table = Table(rows, colWidths=[28 * mm, 52 * mm, 50 * mm, 50 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
    return story + [table]
