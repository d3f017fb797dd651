"""The SVG charts: well-formed, escaped, scaled to cover the data."""
import datetime
import xml.etree.ElementTree as ET

import pytest

from officials import charts

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("low,high", [(0, 1), (0, 65), (580, 1345), (-4050, 19600), (0, 0), (7, 7)])
def test_ticks_cover_the_range_with_round_steps(low, high):
    ticks = charts.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and all(isinstance(t, int) for t in ticks)


def test_labels_are_escaped_and_the_svg_parses():
    svg = charts.bar_chart(bars=[("<script>alert(1)</script>", 3, None), ("B & C", 5, "#000")], title="T<&>")
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg" and "<script>" not in str(svg)
    assert root.find(f"{SVG}title").text == "T<&>"
    assert len(root.findall(f"{SVG}rect")) == 3  # background + two bars


def test_score_chart_draws_bands_and_a_step_line():
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    points = [(start, 1000), (start + datetime.timedelta(days=30), 950), (start + datetime.timedelta(days=90), 800)]
    bands = [("A", 970, None), ("B", 850, 969), ("C", 600, 849), ("D", None, 599)]
    root = ET.fromstring(str(charts.score_chart(points=points, bands=bands, title="score")))
    band_rects = [r for r in root.iter(f"{SVG}rect") if "band" in r.get("class", "")]
    assert [r.get("class") for r in band_rects] == ["band band-A", "band band-B", "band band-C", "band band-D"]
    path = root.find(f"{SVG}path").get("d")
    assert path.count("V") == 2
    assert len(root.findall(f"{SVG}circle")) == 3


def test_empty_inputs_still_render():
    for svg in (charts.bar_chart(bars=[], title="none"), charts.diverging_bar_chart(rows=[], title="none"),
                charts.stacked_bar_chart(categories=[], series=[], title="none"),
                charts.score_chart(points=[], bands=[], title="none")):
        ET.fromstring(str(svg))
