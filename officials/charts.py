"""Server-side SVG charts for the admin: no JavaScript, no network, readable without colour.

Every function returns a ``SafeString`` of one ``<svg>`` element; all text is escaped here.
Each chart carries a ``<title>`` so screen readers announce it; templates put the exact numbers
in a table next to it.
"""
import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

GRADE_COLOURS = {"A": "#1b7f3b", "B": "#6aa84f", "C": "#e69138", "D": "#cc0000"}
PALETTE = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00",
           "#b82e2e", "#316395", "#994499", "#22aa99", "#aaaa11", "#6633cc", "#e67300", "#8b0707"]
FONT = 'font-family="sans-serif"'
MARGIN = {"left": 56, "right": 16, "top": 28, "bottom": 44}


def colour(index: int) -> str:
    """A distinct colour for the ``index``-th series."""
    return PALETTE[index % len(PALETTE)]


def nice_ticks(low: float, high: float, count: int = 5) -> list:
    """Round whole-number ticks covering ``low``..``high`` (1, 2 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(start + len(ticks) * step)
    return [int(t) if float(t).is_integer() else round(t, 6) for t in ticks]


class _Canvas:
    """Plot area geometry plus the growing list of SVG elements."""

    def __init__(self, width, height, title, margin=None):
        self.width, self.height, self.title = width, height, title
        self.margin = {**MARGIN, **(margin or {})}
        self.left, self.top = self.margin["left"], self.margin["top"]
        self.plot_w = width - self.margin["left"] - self.margin["right"]
        self.plot_h = height - self.margin["top"] - self.margin["bottom"]
        self.parts = []

    def add(self, svg: str) -> None:
        self.parts.append(svg)

    def text(self, x, y, label, anchor="middle", extra="", size=11) -> None:
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {FONT} font-size="{size}" {extra}>'
                 f'{escape(label)}</text>')

    def y_axis(self, ticks, y_of, label=""):
        for tick in ticks:
            y = y_of(tick)
            self.add(f'<line x1="{self.left}" x2="{self.left + self.plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd" stroke-width="1"/>')
            self.text(self.left - 6, y + 4, f"{tick:,}", anchor="end")
        if label:
            self.text(12, self.top + self.plot_h / 2, label,
                      extra=f'transform="rotate(-90 12 {self.top + self.plot_h / 2:.1f})"')

    def render(self, css_class="chart") -> SafeString:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
                f'width="{self.width}" height="{self.height}" viewBox="0 0 {self.width} {self.height}" '
                f'aria-label="{escape(self.title)}"><title>{escape(self.title)}</title>'
                f'<rect width="{self.width}" height="{self.height}" fill="#fff"/>')
        self.text(self.width / 2, 16, self.title, extra='font-weight="bold"', size=13)
        return mark_safe(head + "".join(self.parts) + "</svg>")


def bar_chart(*, bars: list, title: str, y_label: str = "", width: int = 520,
              height: int = 260) -> SafeString:
    """Vertical bars; ``bars`` is a list of (label, value, colour or None)."""
    canvas = _Canvas(width, height, title)
    ticks = nice_ticks(0, max([value for _, value, _ in bars] or [0]) or 1)
    top = ticks[-1]

    def y_of(value):
        return canvas.top + canvas.plot_h * (1 - value / top)

    canvas.y_axis(ticks, y_of, y_label)
    slot = canvas.plot_w / max(len(bars), 1)
    every = max(1, math.ceil(len(bars) / (canvas.plot_w / 38)))
    for i, (label, value, fill) in enumerate(bars):
        bar = min(slot * 0.8, 60)
        x = canvas.left + i * slot + (slot - bar) / 2
        y = y_of(value)
        canvas.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                   f'height="{canvas.top + canvas.plot_h - y:.1f}" '
                   f'fill="{fill or colour(0)}"><title>{escape(label)}: {value:,}</title></rect>')
        if i % every == 0:
            canvas.text(x + bar / 2, canvas.top + canvas.plot_h + 14, str(label))
    if not any(value for _, value, _ in bars):
        canvas.text(canvas.left + canvas.plot_w / 2, canvas.top + canvas.plot_h / 2, "no data")
    return canvas.render()


def stacked_bar_chart(*, categories: list, series: list, title: str, y_label: str = "",
                      width: int = 720, height: int = 300) -> SafeString:
    """Bars per category stacked by series; ``series`` is a list of (name, values aligned to categories)."""
    legend_rows = math.ceil(len(series) / LEGEND_COLUMNS)
    canvas = _Canvas(width, height + 16 * legend_rows, title, margin={"bottom": 44 + 16 * legend_rows})
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    ticks = nice_ticks(0, max(totals or [0]) or 1)
    top = ticks[-1]

    def y_of(value):
        return canvas.top + canvas.plot_h * (1 - value / top)

    canvas.y_axis(ticks, y_of, y_label)
    slot = canvas.plot_w / max(len(categories), 1)
    for i, category in enumerate(categories):
        base = 0
        x = canvas.left + i * slot + slot * 0.15
        for s, (name, values) in enumerate(series):
            if values[i]:
                y0, y1 = y_of(base), y_of(base + values[i])
                tip = f"{category} {name}: {values[i]:,}"
                canvas.add(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{slot * 0.7:.1f}" height="{y0 - y1:.1f}" '
                           f'fill="{colour(s)}"><title>{escape(tip)}</title></rect>')
                base += values[i]
        canvas.text(x + slot * 0.35, canvas.top + canvas.plot_h + 14, str(category))
    _legend(canvas, [name for name, _ in series], canvas.top + canvas.plot_h + 32)
    if not any(totals):
        canvas.text(canvas.left + canvas.plot_w / 2, canvas.top + canvas.plot_h / 2, _("no events"))
    return canvas.render()


# Two columns leave room for whole event-type titles ("Caring for elderly family members").
LEGEND_COLUMNS = 2


def _legend(canvas: _Canvas, names: list, y: float) -> None:
    column = canvas.plot_w / LEGEND_COLUMNS
    for i, name in enumerate(names):
        x = canvas.left + (i % LEGEND_COLUMNS) * column
        row_y = y + (i // LEGEND_COLUMNS) * 16
        canvas.add(f'<rect x="{x:.1f}" y="{row_y - 9:.1f}" width="10" height="10" fill="{colour(i)}"/>')
        canvas.text(x + 14, row_y, name, anchor="start")


ROW = 30  # two lines of a wrapped label


def wrap_label(label: str, width: int = 36) -> list:
    """``label`` in at most two lines of about ``width`` Latin characters (a CJK character counts two),
    broken between words where there are any; only what still does not fit ends in an ellipsis."""
    lines, line = [], ""
    for token in _tokens(label):
        if line and _width(line + token) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    lines.append(line.rstrip())
    return lines if len(lines) <= 2 else [lines[0], lines[1] + "…"]


def _tokens(text: str) -> list:
    """Words with their leading space; each CJK character on its own (it may break anywhere)."""
    tokens, word = [], ""
    for char in text:
        if ord(char) > 0x2E7F or char == " ":
            if word:
                tokens.append(word)
            word = char if char == " " else ""
            if char != " ":
                tokens.append(char)
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def _width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def diverging_bar_chart(*, rows: list, title: str, width: int = 720) -> SafeString:
    """Horizontal bars left (negative) or right (positive) of zero; ``rows`` is (label, value)."""
    height = 60 + ROW * max(len(rows), 1)
    canvas = _Canvas(width, height, title, margin={"left": 230, "bottom": 24})
    extent = max([abs(value) for _, value in rows] or [1]) or 1
    zero = canvas.left + canvas.plot_w / 2
    scale = (canvas.plot_w / 2) / extent
    canvas.add(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{canvas.top}" y2="{canvas.top + canvas.plot_h}" '
               'stroke="#333"/>')
    for i, (label, value) in enumerate(rows):
        y = canvas.top + i * ROW + 3
        x = zero if value >= 0 else zero + value * scale
        fill = GRADE_COLOURS["A"] if value >= 0 else GRADE_COLOURS["D"]
        canvas.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{abs(value) * scale:.1f}" height="16" '
                   f'fill="{fill}">'
                   f'<title>{escape(label)}: {value:+,}</title></rect>')
        for n, line in enumerate(wrap_label(label)):
            canvas.text(canvas.left - 8, y + 12 + 12 * n, line, anchor="end")
        inside = "start" if value < 0 else "end"
        canvas.text(zero + (4 if value < 0 else -4), y + 12, f"{value:+,}", anchor=inside)
    return canvas.render()


def score_chart(*, points: list, bands: list, title: str, width: int = 720, height: int = 280) -> SafeString:
    """A citizen's score over time as a step line over the grade bands.

    ``points`` is a list of (datetime, score) in time order; ``bands`` a list of (grade, min, max)
    where min or max may be None (open-ended).
    """
    canvas = _Canvas(width, height, title, margin={"right": 40})
    scores = [score for _, score in points] or [0]
    low, high = _score_range(scores, bands)
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]

    def y_of(value):
        return canvas.top + canvas.plot_h * (1 - (min(max(value, low), high) - low) / (high - low))

    _bands(canvas, bands, y_of, low, high)
    canvas.y_axis(ticks, y_of, "points")
    if points:
        _step_line(canvas, points, y_of)
    return canvas.render()


def _score_range(scores, bands):
    thresholds = [b[1] for b in bands if b[1] is not None]
    low = min(scores + [min(thresholds, default=min(scores))]) - 20
    high = max(scores + [max(thresholds, default=max(scores))]) + 20
    return low, high


def _bands(canvas, bands, y_of, low, high):
    for grade, band_min, band_max in bands:
        y_top = y_of(high if band_max is None else band_max + 1)
        y_bottom = y_of(low if band_min is None else band_min)
        if y_bottom - y_top <= 0:
            continue
        canvas.add(f'<rect class="band band-{escape(grade)}" x="{canvas.left}" y="{y_top:.1f}" '
                   f'width="{canvas.plot_w}" height="{y_bottom - y_top:.1f}" '
                   f'fill="{GRADE_COLOURS.get(grade, "#999")}" fill-opacity="0.12"/>')
        canvas.text(canvas.left + canvas.plot_w + 6, (y_top + y_bottom) / 2 + 4, grade, anchor="start",
                    extra=f'fill="{GRADE_COLOURS.get(grade, "#999")}" font-weight="bold"')


def _step_line(canvas, points, y_of):
    start, end = points[0][0], points[-1][0]
    span = (end - start).total_seconds() or 1

    def x_of(when):
        return canvas.left + canvas.plot_w * (when - start).total_seconds() / span

    path = [f"M{x_of(points[0][0]):.1f},{y_of(points[0][1]):.1f}"]
    for when, score in points[1:]:
        path.append(f"H{x_of(when):.1f}V{y_of(score):.1f}")
    path.append(f"H{canvas.left + canvas.plot_w:.1f}")
    canvas.add(f'<path class="score-line" d="{"".join(path)}" fill="none" stroke="#222" stroke-width="2"/>')
    for when, score in points[-60:]:
        canvas.add(f'<circle cx="{x_of(when):.1f}" cy="{y_of(score):.1f}" r="2.5" fill="#222">'
                   f'<title>{when:%Y-%m-%d}: {score}</title></circle>')
    for label_at in (start, end):
        anchor = "start" if label_at is start else "end"
        canvas.text(x_of(label_at), canvas.top + canvas.plot_h + 16, f"{label_at:%Y-%m-%d}", anchor=anchor)
