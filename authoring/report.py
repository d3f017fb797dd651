"""Rendering a simulation's impact as text (the terminal) or as one self-contained HTML file."""
from __future__ import annotations

import html
from dataclasses import dataclass

from authoring.impact import Impact


@dataclass(frozen=True)
class Header:
    """What was simulated against what, and how fast."""

    draft: str
    source: str
    base: str
    since: str | None
    seconds: float
    workers: int


def grade_order(impact: Impact, grades: list[str]) -> list[str]:
    seen = {g for pair in impact.matrix() for g in pair}
    return list(grades) + sorted(seen - set(grades))


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


def summary_lines(impact: Impact, header: Header) -> list[str]:
    rate = impact.events / header.seconds if header.seconds else 0
    scope = f", events since {header.since}" if header.since else ""
    return [
        f"Simulation of draft {header.draft[:12]} ({header.source}) against {header.base[:12]} (in force){scope}",
        f"Replayed {impact.events:,} events of {impact.citizens:,} citizens in {header.seconds:.1f} s "
        f"({rate:,.0f} events/s, {header.workers} worker{'s' if header.workers > 1 else ''})",
        f"  scored under the draft {impact.scored:,} · kept as stored (before --since) {impact.kept:,} · "
        f"cannot be scored under the draft {impact.unscorable:,}",
        f"Events that get other entries: {impact.events_changed:,}",
        f"Citizens whose score changes: {impact.score_changed:,} ({_pct(impact.score_changed, impact.citizens)})",
        f"Citizens whose grade changes: {impact.grade_changed:,} ({_pct(impact.grade_changed, impact.citizens)})",
        f"Total points: {impact.points_now:,} now, {impact.points_draft:,} under the draft "
        f"({impact.points_draft - impact.points_now:+,})",
    ]


def matrix_rows(impact: Impact, grades: list[str]) -> list[list]:
    """Rows of the grade transition matrix: [grade now, count to each grade under the draft...]."""
    matrix = impact.matrix()
    return [[now] + [matrix.get((now, new), 0) for new in grades] for now in grades]


def rule_rows(impact: Impact) -> list[list]:
    """[rule, points now, points under the draft, change, entries now, entries draft], biggest change first."""
    rows = [[rule, now, draft, draft - now, n_now, n_draft] for rule, (now, draft, n_now, n_draft)
            in impact.rules.items()]
    return sorted(rows, key=lambda r: (-abs(r[3]), r[0]))


def render_text(impact: Impact, header: Header, grades: list[str]) -> str:
    grades = grade_order(impact, grades)
    lines = summary_lines(impact, header)
    lines += ["", "Grade transitions (rows: grade now; columns: grade under the draft)",
              "      " + "".join(f"{g:>10}" for g in grades)]
    lines += [f"{row[0]:<6}" + "".join(f"{n:>10,}" for n in row[1:]) for row in matrix_rows(impact, grades)]
    lines += ["", f"{'Points per rule':<28}{'now':>14}{'draft':>14}{'change':>12}{'entries now → draft':>26}"]
    lines += [f"{r[0]:<28}{r[1]:>14,}{r[2]:>14,}{r[3]:>+12,}{r[4]:>14,} → {r[5]:<9,}" for r in rule_rows(impact)]
    if impact.examples:
        lines += ["", "Events that cannot be scored under the draft (their stored entries stand), e.g.:"]
        lines += [f"  event {event_id}: {problem}" for event_id, problem in impact.examples]
    lines += ["", f"{len(impact.largest)} largest individual changes",
              f"  {'resident id':<20}{'score':>8}{'draft':>8}{'change':>8}  grade"]
    lines += [f"  {row[2]:<20}{row[3]:>8}{row[4]:>8}{row[4] - row[3]:>+8}  {row[5]} → {row[6]}"
              for row in impact.largest_changes()]
    return "\n".join(lines) + "\n"


# --- HTML ------------------------------------------------------------------------------------

_STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}th:first-child,td:first-child{text-align:left}
.now{fill:#8da0cb}.draft{fill:#fc8d62}caption{text-align:left;font-weight:bold}svg text{font-size:12px}"""


def _table(caption: str, head: list[str], rows: list[list]) -> str:
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><caption>{html.escape(caption)}</caption><tr>{cells}</tr>{body}</table>"


def _cell(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def bar_chart(title: str, rows: list[tuple[str, int, int]]) -> str:
    """An inline SVG chart: for each label, a bar for now and one for the draft (values may be negative)."""
    label_w, bar_w, row_h = 200, 460, 34
    peak = max([abs(v) for _, a, b in rows for v in (a, b)] + [1])
    zero = label_w + (bar_w / 2 if any(v < 0 for _, a, b in rows for v in (a, b)) else 0)
    scale = (label_w + bar_w - zero) / peak
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 90}" '
             f'height="{row_h * len(rows) + 40}" role="img"><title>{html.escape(title)}</title>',
             f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>']
    for index, (label, now, draft) in enumerate(rows):
        y = 24 + index * row_h
        parts.append(f'<text x="0" y="{y + 18}">{html.escape(label)}</text>')
        for offset, value, css in ((0, now, "now"), (14, draft, "draft")):
            width = abs(value) * scale
            x = zero if value >= 0 else zero - width
            parts.append(f'<rect class="{css}" x="{x:.1f}" y="{y + offset}" width="{width:.1f}" height="12">'
                         f'<title>{css}: {value:,}</title></rect>')
            parts.append(f'<text x="{label_w + bar_w + 4}" y="{y + offset + 11}">{value:,}</text>')
    parts.append(f'<line x1="{zero}" y1="20" x2="{zero}" y2="{row_h * len(rows) + 30}" stroke="#555"/></svg>')
    return "".join(parts)


def render_html(impact: Impact, header: Header, grades: list[str]) -> str:
    grades = grade_order(impact, grades)
    matrix = matrix_rows(impact, grades)
    per_grade_now = [(g, sum(matrix[i][1:]), sum(row[i + 1] for row in matrix)) for i, g in enumerate(grades)]
    rules = rule_rows(impact)
    largest = [[r[2], r[3], r[4], f"{r[4] - r[3]:+,}", f"{r[5]} → {r[6]}"] for r in impact.largest_changes()]
    summary = "".join(f"<p>{html.escape(line)}</p>" for line in summary_lines(impact, header))
    legend = '<p><svg width="12" height="12"><rect class="now" width="12" height="12"/></svg> now &nbsp; ' \
             '<svg width="12" height="12"><rect class="draft" width="12" height="12"/></svg> under the draft</p>'
    return "".join([
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Policy simulation {html.escape(header.draft[:12])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Policy simulation: draft {html.escape(header.draft[:12])}</h1>", summary, legend,
        bar_chart("Citizens per grade", per_grade_now),
        bar_chart("Points per rule", [(r[0], r[1], r[2]) for r in rules]),
        _table("Grade transitions (rows: now, columns: under the draft)", ["now \\ draft"] + grades, matrix),
        _table("Points per rule", ["rule", "now", "draft", "change", "entries now", "entries draft"], rules),
        _table(f"{len(largest)} largest individual changes", ["resident id", "score", "draft", "change", "grade"],
               largest),
        "</body></html>\n",
    ])
