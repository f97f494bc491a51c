"""Template helpers of SNV's pages: points, ranking groups, status badges and filtered links."""

from __future__ import annotations

import html
from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.utils.formats import get_format, localize, number_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from parindex import scoring
from parindex.scoring import RankingGroup

register = template.Library()

GROUP_LABELS = {
    RankingGroup.A: _("Group A"),
    RankingGroup.B: _("Group B"),
    RankingGroup.C: _("Group C"),
    RankingGroup.BELOW_C: _("Below group C"),
}
GROUP_BADGES = {
    RankingGroup.A: "text-bg-success",
    RankingGroup.B: "text-bg-primary",
    RankingGroup.C: "text-bg-warning",
    RankingGroup.BELOW_C: "text-bg-danger",
}


def format_points(value: Decimal | int | None) -> str:
    """Points in the active language without trailing zeros, for a form's input: 0,5 / 1,25 / 10.

    Only the value of an input field (what the user typed back); every figure shown reads
    ``points`` (two decimals, rounded half-up in parindex.scoring).
    """
    if value is None:
        return ""
    exact = scoring.round_half_up(value)
    plain = format(exact.normalize(), "f")
    if abs(exact) >= 1000:
        return number_format(Decimal(plain))
    return plain.replace(".", get_format("DECIMAL_SEPARATOR"))


def _separator() -> str:
    return get_format("DECIMAL_SEPARATOR")


@register.filter
def points(value) -> str:
    """A figure in points: two decimals, half-up, once (parindex.scoring): 8,75 / 10,00."""
    return scoring.points_text(value, _separator()) if value is not None and value != "" else "—"


@register.filter
def signed_points(value) -> str:
    """A change from last year with its sign: +0,5 / −1 / 0."""
    if value is None:
        return "—"
    if value > 0:
        return "+" + points(value)
    if value < 0:
        return "−" + points(-value)
    return points(value)


@register.filter
def group_label(group: str | None) -> str:
    return str(GROUP_LABELS.get(group, "—"))


@register.simple_tag
def group_badge(group: str | None) -> str:
    if group not in GROUP_LABELS:
        return "—"
    return format_html('<span class="badge {}">{}</span>', GROUP_BADGES[group], GROUP_LABELS[group])


ISSUED_BADGES = {
    "pending": "text-bg-secondary",
    "running": "text-bg-info",
    "done": "text-bg-success",
    "failed": "text-bg-danger",
}


@register.filter
def issued_badge(status: str) -> str:
    """The CSS class of an issued consolidated report's status."""
    return ISSUED_BADGES.get(status, "text-bg-light")


@register.simple_tag
def query(base_url: str, **params) -> str:
    """``base_url`` with the given GET parameters, empty ones left out: the link behind a figure."""
    clean = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{base_url}?{urlencode(clean)}" if clean else base_url


@register.filter
def days_left(days: int | None) -> str:
    """“12 days left”, “today” or “3 days ago” for a key date."""
    if days is None:
        return "—"
    if days == 0:
        return str(_("today"))
    if days > 0:
        return ngettext("%(n)s day left", "%(n)s days left", days) % {"n": days}
    return ngettext("%(n)s day ago", "%(n)s days ago", -days) % {"n": -days}


@register.filter
def pct(value) -> str:
    """A percentage with two decimals, half-up, no space (glossary): 86,37%."""
    if value is None or value == "":
        return "—"
    return scoring.percent_text(value, _separator())


@register.simple_tag
def reads_scores(user) -> bool:
    """Whether the navigation shows the score tree: province roles and focal agencies."""
    from parindex.access import can_read_scores

    return bool(user.is_authenticated and can_read_scores(user))


@register.simple_tag
def headline_of(cycle):
    """The cycle's headline figures for a landing page (figures.headline, a fixed number of queries)."""
    from compilation import figures

    return figures.headline(cycle, cycle.as_of()) if cycle else None


@register.simple_tag(takes_context=True)
def score_rows(context, lines) -> str:
    """The score tree's table rows, built in Python.

    The tree has about 150 rows of nine cells; through the template engine
    that was some 5,000 variable look-ups and half the page's time. The
    markup is the same, every value escaped by format_html().
    """
    opts = _RowOptions(context)
    return mark_safe("".join(_score_row(line.row, line.depth, opts) for line in lines))  # noqa: S308


class _RowOptions:
    """What every row needs, read once from the page's context."""

    def __init__(self, context) -> None:
        self.detail_prefix = context["detail_prefix"]
        self.tasks_url = context["tasks_url"]
        self.task_cycle = context["task_cycle"]
        self.can_edit_all = context["can_edit_all"]
        self.editable_focal_id = context["editable_focal_id"]
        self.assign_url = context["assign_url"]
        self.assign_query = urlencode({"cycle": context["cycle"].year, "next": context["request"].get_full_path()})
        self.labels = {
            "survey": _("Survey"),
            "edit": _("Edit"),
            "assign": _("Assign"),
            "no_task": _("No task"),
            "estimate": _("estimate"),
            "estimate_title": _("The province's own estimate, not the Ministry's survey result"),
            "no_result": _("no result yet"),
            "not_comparable": _("not comparable"),
        }
        # Translated once per page, not once per row (``_`` is gettext_lazy here).
        self.labels = {key: str(label) for key, label in self.labels.items()}


_DONE_MARK = mark_safe('<span class="text-success">✓</span>')  # noqa: S308 — a constant


def _h(value) -> str:
    """One value escaped as ``format_html`` escapes it (``conditional_escape``), without the check for
    lazy strings that Django's wrapper makes on every call: about 2,900 calls per score tree, a fifth
    of the page's CPU (issue 18). Safe strings pass as they are."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _score_row(r, depth: int, o: _RowOptions) -> str:
    indent = f"indent-{depth}" if depth else ""
    css = f"level-{r.level}" + (" below" if r.is_leaf and r.below_max else "")
    return _format_row(
        '<tr class="{}" data-code="{}"><td class="text-nowrap d-none d-sm-table-cell {}">{}</td>'
        '<td class="name"><span class="d-sm-none {}">{}</span> {}</td>'
        '<td class="num">{}</td><td class="num d-none d-md-table-cell">{}</td><td class="num">{}</td>'
        '<td class="num d-none d-md-table-cell">{}</td><td class="num d-none d-lg-table-cell">{}</td>'
        '<td class="num gap">{}</td><td class="num">{}</td></tr>',
        css,
        r.code,
        indent,
        r.code,
        indent,
        r.code,
        _name_cell(r, depth, o),
        points(r.max_points),
        _self_cell(r, o),
        points(r.appraised_score if r.is_leaf else r.effective),
        points(r.previous_score) if r.comparable else o.labels["not_comparable"],
        signed_points(r.change) if r.comparable else "",
        _gap_cell(r, o),
        _tasks_cell(r, depth, o),
    )


def _format_row(template: str, *values) -> str:
    return mark_safe(template.format(*map(_h, values)))  # noqa: S308 - every value escaped by _h


def _self_cell(r, o: _RowOptions) -> str:
    """A survey-based leaf has no self score: its estimate, if any, labelled as the province's estimate."""
    if not (r.is_leaf and r.is_survey):
        return points(r.self_score)
    if r.estimate is None:
        return "—"
    return format_html(
        '{} <span class="badge text-bg-light estimate" title="{}">{}</span>',
        points(r.estimate),
        o.labels["estimate_title"],
        o.labels["estimate"],
    )


def _gap_cell(r, o: _RowOptions) -> str:
    if r.is_leaf and not r.has_result:
        return format_html('<span class="text-secondary small no-result">{}</span>', o.labels["no_result"])
    return points(r.gap) if r.gap else _DONE_MARK


def _name_cell(r, depth: int, o: _RowOptions) -> str:
    if not r.is_leaf:
        if depth:
            return conditional_escape(r.name)
        focal = format_html("· {} ", r.focal_agency) if r.focal_agency else ""
        note = format_html('<span class="small text-secondary fw-normal">{}· {}</span>', focal, pct(r.percent))
        return format_html("{} {}", r.name, note)
    url = f"{o.detail_prefix}{r.id}/"
    parts = [format_html('<a href="{}">{}</a>', url, r.name)]
    if r.method == "survey":
        parts.append(format_html('<span class="badge text-bg-light border">{}</span>', o.labels["survey"]))
    if o.can_edit_all or (o.editable_focal_id and r.focal_agency_id == o.editable_focal_id):
        parts.append(
            format_html(
                '<a class="badge text-bg-primary text-decoration-none edit-link" href="{}#score-form">{}</a>',
                url,
                o.labels["edit"],
            )
        )
    return mark_safe(" ".join(parts))  # noqa: S308 — each part built by format_html


def _tasks_cell(r, depth: int, o: _RowOptions) -> str:
    if r.tasks_total:
        figure = f"{r.tasks_open}/{r.tasks_total}"
        if r.is_leaf:
            return format_html('<a href="{}">{}</a>', query(o.tasks_url, criterion=r.id, cycle=o.task_cycle), figure)
        if depth == 0:
            return format_html('<a href="{}">{}</a>', query(o.tasks_url, area=r.code, cycle=o.task_cycle), figure)
        return figure
    if r.is_leaf and r.below_max:
        if o.can_edit_all:
            href = f"{o.assign_url}?criterion={r.id}&{o.assign_query}"
            return format_html(
                '<a class="badge text-bg-danger text-decoration-none" href="{}">{}</a>', href, o.labels["assign"]
            )
        return format_html('<span class="badge text-bg-danger">{}</span>', o.labels["no_task"])
    return "0"


@register.simple_tag
def figure(value, label, href, id="", tone="", note="") -> str:  # noqa: A002 — the HTML attribute's name
    """One linked figure card; a tag rather than an include: the dashboard has sixteen of them."""
    return format_html(
        '<div class="card figure-card shadow-sm h-100{}"{}><a class="card-body p-2 d-block" href="{}">'
        '<div class="figure">{}</div><div class="label">{}</div>{}</a></div>',
        f" tone-{tone}" if tone else "",
        format_html(' id="{}"', id) if id else "",
        href,
        value if isinstance(value, str) else localize(value),
        label,
        format_html('<div class="small text-secondary">{}</div>', note) if note else "",
    )
