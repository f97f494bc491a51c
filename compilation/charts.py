"""Charts as SVG markup: pure functions, no JavaScript, no external fonts.

The dashboard inlines them in HTML and the consolidated PDF hands them to
WeasyPrint, so one drawing serves both and they cannot disagree. Each function
takes the rows of `compilation.figures` as they are (objects with attributes, or
mappings with the same keys) and returns a complete ``<svg>`` element.

Why SVG strings and not a chart library: there is no CDN on many government
intranets, WeasyPrint runs no JavaScript, and a string is trivial to test.

Every text node is escaped. Numbers go through Django's ``number_format`` so
they follow the active language (``85,5`` in Vietnamese). Legends default to
English source strings wrapped in gettext; the PDF passes its own Vietnamese
wording because an official document must not depend on a catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Any

from django.utils.formats import get_format
from django.utils.translation import gettext

from parindex import scoring

# A generic family: the host page's font in the browser; the PDF passes its own.
DEFAULT_FONT = "sans-serif"

COLOURS = {
    "done_on_time": "#1e7b4f",
    "done_late": "#f0b429",
    "overdue": "#c0392b",
    "open": "#b8c2cc",
    "points": "#2f5d8a",
    "lost": "#c0392b",
    "axis": "#555555",
    "grid": "#dddddd",
    "text": "#222222",
}

FONT_SIZE = 11


def _get(row: Any, name: str, default: Any = 0) -> Any:
    """Read a field from a dataclass row or a dict row alike."""
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


def _separator() -> str:
    return get_format("DECIMAL_SEPARATOR")


def _points(value: Any) -> str:
    """Points as everywhere else: two decimals, half-up, in parindex.scoring."""
    return scoring.points_text(value or 0, _separator())


def _percent(part: int, whole: int) -> str:
    """The completion rate as the tables print it (66,67%, never a truncated 66,6 %)."""
    return scoring.percent_text(scoring.ratio_percent(part, whole) if whole else 0, _separator())


def _wrap(text: str, limit: int) -> list[str]:
    """A label on as many lines as it needs, at word boundaries: never cut with "…"."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _label(x: float, y: float, lines: list[str], line_h: float, anchor: str = "end") -> str:
    """A wrapped label, one <tspan> a line, its first baseline at ``y``."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else line_h:.1f}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{COLOURS["text"]}">{spans}</text>'


def _open_svg(width: int, height: int, title: str, font_family: str, font_size: float = FONT_SIZE) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{escape(font_family)}" font-size="{font_size:g}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{COLOURS["text"]}"{extra}>'
        f"{escape(str(text))}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, colour: str) -> str:
    if w <= 0 or h <= 0:
        return ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}"/>'


def _legend(width: int, items: Iterable[tuple[str, str]], font_size: float = FONT_SIZE) -> tuple[str, int]:
    """A legend of coloured squares from the left edge, wrapping onto more lines when needed.

    SVG text has no layout, so label widths are estimated from their length; returns the
    markup and the height it takes, for the plot below to start under it.
    """
    line = font_size * 1.4
    parts, x, y = [], 4.0, font_size + 1
    for colour, label in items:
        needed = font_size * 1.3 + len(label) * font_size * 0.55
        if x > 4 and x + needed > width:
            x, y = 4.0, y + line
        parts.append(_rect(x, y - font_size * 0.85, font_size * 0.9, font_size * 0.9, colour))
        parts.append(_text(x + font_size * 1.3, y, label))
        x += needed + font_size * 1.5
    return "".join(parts), int(y + font_size)


def _empty(width: int, title: str, font_family: str, message: str, font_size: float = FONT_SIZE) -> str:
    return (
        _open_svg(width, max(40, int(font_size * 3.6)), title, font_family, font_size)
        + _text(width / 2, font_size * 2.2, message, "middle")
        + "</svg>"
    )


def _label_chars(label_w: float, font_size: float) -> int:
    """How many characters of a label fit on one line of ``label_w`` (average glyph ≈ 0.56 em, on the safe side)."""
    return max(int(label_w / (font_size * 0.56)), 8)


def _bar_rows(labels: list[str], label_w: float, font_size: float) -> tuple[list[list[str]], list[float], float]:
    """Each label's lines and its row's height: a long name wraps and its row grows."""
    line_h = font_size * 1.15
    wrapped = [_wrap(label, _label_chars(label_w - 8, font_size)) for label in labels]
    heights = [max(font_size * 1.65, len(lines) * line_h + font_size * 0.5) for lines in wrapped]
    return wrapped, heights, line_h


# ----------------------------------------------------------------- completion by agency

AGENCY_SEGMENTS = ("done_on_time", "done_late", "overdue", "open")


def _agency_legend_defaults() -> dict[str, str]:
    return {
        "done_on_time": gettext("Done on time"),
        "done_late": gettext("Done late"),
        "overdue": gettext("Overdue"),
        "open": gettext("Open, not yet overdue"),
    }


def _agency_segments(row: Any) -> dict[str, int]:
    """Split an agency's tasks into the four stacked segments; they add up to its total."""
    on_time, late, overdue = (int(_get(row, k)) for k in ("done_on_time", "done_late", "overdue"))
    total = int(_get(row, "total"))
    return {
        "done_on_time": on_time,
        "done_late": late,
        "overdue": overdue,
        "open": max(total - on_time - late - overdue, 0),
    }


def _agency_bar(row: Any, y: float, label_w: int, bar_w: int, lines: list[str], line_h: float, fs: float) -> str:
    total = int(_get(row, "total"))
    bar_h = fs * 1.1
    parts = [_label(label_w - 6, y + fs * 0.95, lines, line_h)]
    x = float(label_w)
    if total:
        for key, count in _agency_segments(row).items():
            w = bar_w * count / total
            parts.append(_rect(x, y, w, bar_h, COLOURS[key]))
            x += w
    else:
        parts.append(_rect(x, y, bar_w, bar_h, COLOURS["grid"]))
    done = int(_get(row, "done_on_time")) + int(_get(row, "done_late"))
    summary = f"{_percent(done, total)} ({done}/{total})"
    parts.append(_text(label_w + bar_w + 6, y + fs * 0.95, summary))
    return "".join(parts)


def completion_by_agency_svg(
    rows: Sequence[Any],
    *,
    width: int = 640,
    title: str | None = None,
    legend: Mapping[str, str] | None = None,
    font_family: str = DEFAULT_FONT,
    empty_text: str | None = None,
    font_size: float = FONT_SIZE,
) -> str:
    """One stacked bar per agency (rows of `figures.agency_table`, in their ranking order).

    The bar is the agency's led tasks: done on time, done late, overdue, and open but
    not yet due; the figure on the right is the completion rate (done / total), rounded
    as every other percentage. Names wrap onto more lines; none is cut.
    """
    title = title if title is not None else gettext("Task completion by agency")
    if not rows:
        return _empty(width, title, font_family, empty_text or gettext("No tasks."), font_size)
    labels = {**_agency_legend_defaults(), **(legend or {})}
    key, top = _legend(width, ((COLOURS[k], labels[k]) for k in AGENCY_SEGMENTS), font_size)
    label_w, right_w = int(width * 0.38), int(font_size * 9.5)
    bar_w = width - label_w - right_w
    wrapped, heights, line_h = _bar_rows([_get(r, "name", "") for r in rows], label_w, font_size)
    height = int(top + sum(heights) + 6)
    parts = [_open_svg(width, height, title, font_family, font_size), key]
    y = float(top)
    for row, lines, h in zip(rows, wrapped, heights, strict=True):
        parts.append(_agency_bar(row, y, label_w, bar_w, lines, line_h, font_size))
        y += h
    parts.append("</svg>")
    return "".join(parts)


# ----------------------------------------------------------------- points lost by area


def _area_bar(
    row: Any, y: float, label_w: int, bar_w: int, scale: Decimal, lines: list[str], line_h: float, fs: float
) -> str:
    max_points = Decimal(str(_get(row, "max_points")))
    points = Decimal(str(_get(row, "points")))
    lost = max_points - points
    bar_h = fs * 1.1
    parts = [_label(label_w - 6, y + fs * 0.95, lines, line_h)]
    w_points = float(bar_w * points / scale) if scale else 0.0
    w_lost = float(bar_w * lost / scale) if scale else 0.0
    parts.append(_rect(label_w, y, w_points, bar_h, COLOURS["points"]))
    parts.append(_rect(label_w + w_points, y, w_lost, bar_h, COLOURS["lost"]))
    summary = f"−{_points(lost)} / {_points(max_points)}" if lost else f"{_points(max_points)}"
    parts.append(_text(label_w + w_points + w_lost + 6, y + fs * 0.95, summary))
    return "".join(parts)


def points_lost_by_area_svg(
    rows: Sequence[Any],
    *,
    width: int = 640,
    title: str | None = None,
    legend: Mapping[str, str] | None = None,
    font_family: str = DEFAULT_FONT,
    empty_text: str | None = None,
    font_size: float = FONT_SIZE,
) -> str:
    """One bar per area (rows of `figures.area_table`): points kept, then points lost.

    Bars share one scale, the largest area maximum, so a long red segment is a large
    loss in points, not merely in percent: that is where the province gains most.
    Area names wrap onto more lines; none is cut.
    """
    title = title if title is not None else gettext("Points lost by area")
    if not rows:
        return _empty(width, title, font_family, empty_text or gettext("No scores."), font_size)
    labels = {"points": gettext("Points"), "lost": gettext("Points lost"), **(legend or {})}
    key, top = _legend(width, ((COLOURS[k], labels[k]) for k in ("points", "lost")), font_size)
    label_w, right_w = int(width * 0.45), int(font_size * 8.5)
    bar_w = width - label_w - right_w
    scale = max(Decimal(str(_get(r, "max_points"))) for r in rows)
    names = [f"{_get(r, 'code', '')}. {_get(r, 'name', '')}" for r in rows]
    wrapped, heights, line_h = _bar_rows(names, label_w, font_size)
    height = int(top + sum(heights) + 6)
    parts = [_open_svg(width, height, title, font_family, font_size), key]
    y = float(top)
    for row, lines, h in zip(rows, wrapped, heights, strict=True):
        parts.append(_area_bar(row, y, label_w, bar_w, scale, lines, line_h, font_size))
        y += h
    parts.append("</svg>")
    return "".join(parts)


# ----------------------------------------------------------------- status over time

SERIES = ("done", "overdue", "open")
SERIES_COLOURS = {"done": COLOURS["done_on_time"], "overdue": COLOURS["overdue"], "open": COLOURS["open"]}


def _axis(left: int, top: int, plot_w: int, plot_h: int, peak: int) -> str:
    """The y axis: a baseline and four gridlines labelled with task counts."""
    parts = []
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{COLOURS["axis"] if i == 0 else COLOURS["grid"]}" stroke-width="1"/>'
        )
        parts.append(_text(left - 4, y + 4, str(round(peak * i / 4)), "end"))
    return "".join(parts)


def _column(point: Any, x: float, col_w: float, base: float, plot_h: int, peak: int) -> str:
    parts = []
    y = base
    for key in SERIES:
        h = plot_h * int(_get(point, key)) / peak
        y -= h
        parts.append(_rect(x, y, col_w, h, SERIES_COLOURS[key]))
    date = _get(point, "date", "")
    label = date.strftime("%d/%m") if hasattr(date, "strftime") else str(date)
    parts.append(_text(x + col_w / 2, base + 14, label, "middle"))
    return "".join(parts)


def status_over_time_svg(
    series: Sequence[Any],
    *,
    width: int = 640,
    height: int = 220,
    title: str | None = None,
    legend: Mapping[str, str] | None = None,
    font_family: str = DEFAULT_FONT,
    empty_text: str | None = None,
) -> str:
    """Stacked weekly columns (points of `figures.status_over_time`): done, overdue, open.

    Columns rather than lines because the three counts add up to the tasks that
    existed on that day, and a stack shows both the mix and the total.
    """
    title = title if title is not None else gettext("Task status over time")
    if not series:
        return _empty(width, title, font_family, empty_text or gettext("No tasks."))
    labels = {"done": gettext("Done"), "overdue": gettext("Overdue"), "open": gettext("Open"), **(legend or {})}
    key, top = _legend(width, ((SERIES_COLOURS[k], labels[k]) for k in SERIES))
    left, bottom = 40, 20
    top += 4  # room for the top gridline's label
    plot_w, plot_h = width - left - 8, height - top - bottom
    peak = max(max(sum(int(_get(p, k)) for k in SERIES) for p in series), 1)
    slot = plot_w / len(series)
    parts = [_open_svg(width, height, title, font_family), key, _axis(left, top, plot_w, plot_h, peak)]
    for i, point in enumerate(series):
        parts.append(_column(point, left + i * slot + slot * 0.15, slot * 0.7, top + plot_h, plot_h, peak))
    parts.append("</svg>")
    return "".join(parts)
