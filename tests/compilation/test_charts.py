"""The SVG charts: well-formed, escaped, sized to their rows, and fed by reporting's rows as they are."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

from compilation import charts
from compilation.figures import AgencyRow, AreaRow

SVG = "{http://www.w3.org/2000/svg}"


def agency(name: str, total: int, on_time: int, late: int, overdue: int) -> AgencyRow:
    return AgencyRow(1, name, "district", total, on_time, late, overdue)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_completion_chart_escapes_names_and_stays_well_formed():
    svg = charts.completion_by_agency_svg([agency('<script>alert("x")</script> & Sở', 4, 1, 1, 1)])
    root = parse(svg)
    assert "<script>" not in svg
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any(t and t.startswith("<script>") for t in texts)  # shown as text, not markup


def test_completion_chart_grows_with_its_rows_and_splits_each_bar_into_its_total():
    one = parse(charts.completion_by_agency_svg([agency("A", 4, 1, 1, 1)], width=600))
    three = parse(charts.completion_by_agency_svg([agency(n, 4, 1, 1, 1) for n in "ABC"], width=600))
    row = charts.FONT_SIZE * 1.65  # a one-line row
    assert abs(int(three.get("height")) - int(one.get("height")) - 2 * row) <= 1
    bar = round(charts.FONT_SIZE * 1.1, 1)
    widths = [float(r.get("width")) for r in one.iter(f"{SVG}rect") if float(r.get("height")) == bar]
    assert abs(sum(widths) - (600 - int(600 * 0.38) - int(charts.FONT_SIZE * 9.5))) < 0.5


def test_long_names_wrap_onto_lines_and_are_never_cut():
    name = "Ủy ban nhân dân huyện Tuy Phước tỉnh Bình Định, tên rất dài để phải xuống dòng"
    svg = charts.completion_by_agency_svg([agency(name, 3, 2, 0, 0)], width=600, font_size=15)
    root = parse(svg)
    assert "…" not in svg
    label = next(t for t in root.iter(f"{SVG}text") if list(t.iter(f"{SVG}tspan")))
    lines = [s.text for s in label.iter(f"{SVG}tspan")]
    assert len(lines) > 1 and " ".join(lines) == name
    assert root.get("font-size") == "15"
    assert "66,67% (2/3)" in svg or "66.67% (2/3)" in svg  # rounded half-up, as the tables


def test_points_lost_chart_takes_area_rows():
    rows = [AreaRow("1", "Chỉ đạo điều hành", "Sở Nội vụ", Decimal(10), Decimal("8.75"), 3, 2)]
    svg = charts.points_lost_by_area_svg(rows)
    assert "1. Chỉ đạo điều hành" in svg
    assert parse(svg).get("role") == "img"


def test_status_chart_takes_the_weekly_series():
    series = [{"date": dt.date(2021, 11, d), "done": 3, "overdue": 1, "open": 4} for d in (1, 8, 15)]
    root = parse(charts.status_over_time_svg(series))
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "15/11" in labels


def test_empty_inputs_give_a_small_chart_with_a_message():
    for svg in (
        charts.completion_by_agency_svg([], empty_text="Không có nhiệm vụ."),
        charts.points_lost_by_area_svg([], empty_text="Không có nhiệm vụ."),
        charts.status_over_time_svg([], empty_text="Không có nhiệm vụ."),
    ):
        root = parse(svg)
        assert root.get("height") == "40" and "Không có nhiệm vụ." in svg


def test_a_long_legend_wraps_instead_of_running_off_the_chart():
    legend = dict.fromkeys(charts.AGENCY_SEGMENTS, "Một nhãn chú giải rất dài để kiểm tra")
    root = parse(charts.completion_by_agency_svg([agency("A", 2, 1, 0, 0)], width=300, legend=legend))
    for text in root.iter(f"{SVG}text"):
        assert float(text.get("x")) < 300
