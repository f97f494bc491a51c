"""Filters of the score tree.

The tree is at most a few hundred nodes whatever the number of tasks, and it
comes from ``figures.score_tree`` in a fixed number of queries; the filters
below prune it in memory with ``figures.below_max`` so that the page, the
PDF and the Excel export count "below max" with one rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from parindex.models import Criterion, FrameworkKind, Level, Method

from . import figures


class ScoreFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Index"), choices=FrameworkKind.choices, required=False, initial=FrameworkKind.PAR)
    below = forms.BooleanField(label=_("Below max only"), required=False)
    no_task = forms.BooleanField(label=_("No task yet"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    focal = forms.ModelChoiceField(
        label=_("Focal agency"), queryset=Agency.objects.none(), required=False, empty_label=_("All")
    )
    method = forms.ChoiceField(label=_("Method"), choices=[("", _("All")), *Method.choices], required=False)

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        areas = Criterion.objects.filter(framework__cycles=cycle, level=Level.AREA, framework__kind=FrameworkKind.PAR)
        codes = sorted(set(areas.values_list("code", flat=True)), key=_code_key)
        self.fields["area"].choices = [("", _("All")), *((c, c) for c in codes)]
        focal_ids = areas.exclude(focal_agency=None).values("focal_agency")
        self.fields["focal"].queryset = Agency.objects.filter(id__in=focal_ids).by_name()
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-select form-select-sm"
            field.widget.attrs["class"] = css

    @property
    def active(self) -> bool:
        """Whether any filter that narrows the sub-criteria is set."""
        if not self.is_valid():
            return False
        data = self.cleaned_data
        return any(data.get(k) for k in ("below", "no_task", "area", "focal", "method"))


def _code_key(code: str) -> tuple:
    return tuple(int(p) if p.isascii() and p.isdecimal() else p for p in code.split("."))


def matching_leaves(tree: list[figures.ScoreRow], data: dict) -> list[figures.ScoreRow]:
    """The sub-criteria that pass the filters; "no task yet" implies below max, as SNV means it."""
    focal = data.get("focal")
    if data.get("below") or data.get("no_task"):
        focal_id = focal.pk if focal else None
        rows = figures.below_max(tree, data.get("area") or None, focal_id, bool(data.get("no_task")))
    else:
        rows = figures.leaves(tree)
        if data.get("area"):
            rows = [r for r in rows if r.area_code == data["area"]]
        if focal:
            rows = [r for r in rows if r.focal_agency_id == focal.pk]
    if data.get("method"):
        rows = [r for r in rows if r.method == data["method"]]
    return rows


@dataclass
class Line:
    """A row of the rendered table: a node and its depth (0 = area)."""

    row: figures.ScoreRow
    depth: int


def flatten(tree: list[figures.ScoreRow], keep: set[int] | None = None) -> list[Line]:
    """Depth-first lines; with ``keep``, only those leaves and the areas and criteria above them."""
    lines: list[Line] = []

    def walk(row: figures.ScoreRow, depth: int) -> bool:
        if row.is_leaf:
            if keep is None or row.id in keep:
                lines.append(Line(row, depth))
                return True
            return False
        at = len(lines)
        lines.append(Line(row, depth))
        shown = [walk(child, depth + 1) for child in row.children]
        if not any(shown):
            del lines[at:]
            return False
        return True

    for root in tree:
        walk(root, 0)
    return lines
