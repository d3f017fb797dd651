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


class _CountedPagesCanvas(Canvas):
    """Keeps every page until the document ends, so that each footer can say "page x of y"."""

    footer = None  # set per document: footer(canvas, page, pages)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held = []

    def showPage(self):
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self.footer(number, len(self._held))
            super().showPage()
        super().save()


def statement_pdf(statement: Statement) -> bytes:
    """Render ``statement`` to PDF bytes (A4, page numbers in the footer)."""
    font = statement_font()
    styles = _styles(font)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"Statement {statement.resident_id}",
                            author="Municipal points register")

    def footer(canvas, page, pages):
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.drawString(15 * mm, 8 * mm, f"Statement for {statement.resident_id}, generated "
                                           f"{timezone.localtime(statement.generated_at):%Y-%m-%d %H:%M} — "
                                           + _("page %(page)s of %(pages)s") % {"page": page, "pages": pages})
        canvas.restoreState()

    def canvas(*args, **kwargs):
        made = _CountedPagesCanvas(*args, **kwargs)
        made.footer = lambda page, pages: footer(made, page, pages)
        return made

    story = _header(statement, styles) + _ledger(statement, styles) + _appeals(statement, styles)
    story += _eligibility(statement, styles) + _accesses(statement, styles)
    doc.build(story, canvasmaker=canvas)
    return buffer.getvalue()


def _header(statement: Statement, styles) -> list:
    enrolled = timezone.localdate(statement.enrolled_at).isoformat() if statement.enrolled_at else "not enrolled"
    rows = [
        ["Name", statement.name, "Resident ID", statement.resident_id],
        ["District", statement.district, "Status", statement.status],
        ["Enrolled", enrolled, "Score and grade", f"{statement.score} points, grade {statement.grade}"],
    ]
    table = Table([[_p(cell, styles["body"]) for cell in row] for row in rows], colWidths=[25 * mm, 60 * mm,
                                                                                          30 * mm, 65 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                               ("BACKGROUND", (2, 0), (2, -1), colors.whitesmoke)]))
    story = [_p("Points statement", styles["title"]), table, Spacer(1, 3 * mm)]
    if statement.under_appeal_since:
        story.append(_p(f"An appeal against this record is open since {statement.under_appeal_since}.",
                        styles["body"]))
    story.append(_p(f"Policy version {statement.policy_version[:12]}. Every change of the score is listed below, "
                    "oldest first; the balance is the score after each entry.", styles["small"]))
    return story


def _ledger(statement: Statement, styles) -> list:
    header = ["Recorded", "Entry", "What happened and why", "Points", "Balance", "Counts until"]
    rows = [[_p(h, styles["small"]) for h in header]]
    for line in statement.lines:
        rows.append([
            _p(timezone.localdate(line.at).isoformat(), styles["small"]), _p(line.entry_id, styles["small"]),
            _p(line.text, styles["small"]), _p(f"{line.delta:+d}", styles["small"]),
            _p(line.balance, styles["small"]), _p(line.expires_on or "", styles["small"]),
        ])
    table = Table(rows, colWidths=[18 * mm, 12 * mm, 102 * mm, 14 * mm, 14 * mm, 20 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
    return [_p("Ledger", styles["h2"]), table]


def _appeals(statement: Statement, styles) -> list:
    story = [_p("Appeals", styles["h2"])]
    if not statement.appeals:
        return story + [_p("No appeals.", styles["body"])]
    for appeal in statement.appeals:
        story.append(_p(appeal.text, styles["body"]))
        story.append(_p(f"Grounds: {appeal.grounds}", styles["small"]))
        for step in appeal.steps:
            story.append(_p(f"{timezone.localtime(step.at):%Y-%m-%d %H:%M} {step.by}: {step.from_state or 'new'} → "
                            f"{step.to_state}. {step.reasons}", styles["small"]))
        story.append(Spacer(1, 2 * mm))
    return story


def _eligibility(statement: Statement, styles) -> list:
    story = [_p("Eligibility for public services today", styles["h2"])]
    if not statement.eligibility:
        return story + [_p("Not enrolled: no grade, no effects.", styles["body"])]
    rows = [[_p(h, styles["small"]) for h in ("Service", "Decision", "Reason")]]
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
