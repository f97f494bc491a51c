"""Optimistic locking and the changes between history records: one mechanism for every model.

Tasks and agency reports carry a ``version`` field. A form sends back the version it
showed; a write locks the row, compares, and refuses with what changed meanwhile
(``StaleEdit``) instead of silently overwriting someone else's save.

History diffs compare consecutive django-simple-history records in Python, so a page
of history costs one query, not one per record (``diff_against`` queries).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

STALE_MESSAGE = gettext_lazy(
    "Someone else saved this after you opened it. Nothing of yours was saved: review their changes and try again."
)
#: bookkeeping fields that every save changes; never shown as a change
BOOKKEEPING = ("version", "updated_at", "history_id", "history_date", "history_user", "history_type")


class StaleEdit(Exception):
    """Someone else saved first; ``changes`` says what they changed."""

    def __init__(self, message: str, changes: list[str]):
        super().__init__(message)
        self.changes = changes


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


def tracked_fields(model: type[models.Model], exclude: Iterable[str] = ()) -> list[str]:
    """The model's concrete fields that history shows changes of (attnames, as history stores them)."""
    skip = set(BOOKKEEPING) | set(exclude)
    return [f.attname for f in model._meta.concrete_fields if f.attname not in skip and f.name not in skip]


def changes_between(
    model: type[models.Model],
    before: Any | None,
    record: Any,
    fields: Sequence[str] | None = None,
    show_initial: bool = False,
) -> list[FieldChange]:
    """What ``record`` changed against the record before it.

    For the first record: nothing, or with ``show_initial`` the values it was created with.

    Many-to-many fields tracked by history (``m2m_fields``) compare their stored rows,
    as simple_history's diff_against() does, one query per field and record.
    """
    if before is None and not show_initial:
        return []
    out = []
    for name in list(fields) if fields is not None else tracked_fields(model):
        old, new = getattr(before, name, None), getattr(record, name, None)
        if (before is None and new not in (None, "")) or (before is not None and old != new):
            field = model._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name)
            out.append(FieldChange(name, str(field.verbose_name), old, new))
    if fields is None and before is not None:
        for field in getattr(record, "_history_m2m_fields", ()):
            old, new = _m2m_rows(before, field.name), _m2m_rows(record, field.name)
            if old != new:
                out.append(FieldChange(field.name, str(field.verbose_name), old, new))
    return out


def _m2m_keep(rows_model: type[models.Model]) -> list[str]:
    return [f.name for f in rows_model._meta.fields if f.editable and f.name not in ("id", "m2m_history_id", "history")]


def _m2m_rows(record: Any, name: str) -> list[dict]:
    cached = getattr(record, "_m2m_rows_cache", {})
    if name in cached:
        return cached[name]
    rows = getattr(record, name)
    return sorted(rows.values(*_m2m_keep(rows.model)), key=lambda r: sorted(r.items()))


def _prefetch_m2m_rows(records: list[Any]) -> None:
    """The many-to-many rows of every record, one query per field for all of them (not two per record)."""
    fields = getattr(records[0], "_history_m2m_fields", ()) if records else ()
    for field in fields:
        rows_model = getattr(records[0], field.name).model
        keep = _m2m_keep(rows_model)
        grouped: dict[Any, list[dict]] = {r.pk: [] for r in records}
        for row in rows_model.objects.filter(history__in=list(grouped)).values("history_id", *keep):
            grouped[row.pop("history_id")].append(row)
        for record in records:
            record.__dict__.setdefault("_m2m_rows_cache", {})[field.name] = sorted(
                grouped[record.pk], key=lambda r: sorted(r.items())
            )


def with_changes(
    model: type[models.Model], records: list[Any], fields: Sequence[str] | None = None, show_initial: bool = False
) -> list[dict]:
    """Newest-first records, each with its changes against the record before it.

    The many-to-many rows that history keeps are read for all the records at once.
    """
    if fields is None and len(records) > 1:
        _prefetch_m2m_rows(records)
    out = []
    for i, record in enumerate(records):
        before = records[i + 1] if i + 1 < len(records) else None
        changes = changes_between(model, before, record, fields, show_initial)
        out.append({"record": record, "changes": changes, "created": before is None})
    return out


def describe_changes_since(obj: models.Model, version: int) -> list[str]:
    """Human lines for the history records saved after the version the user saw."""
    records = list(obj.history.select_related("history_user").order_by("history_date", "history_id"))
    lines = []
    for i, record in enumerate(records):
        if record.version <= version:
            continue
        before = records[i - 1] if i else None
        who = record.history_user.get_full_name() if record.history_user else _("someone")
        when = timezone.localtime(record.history_date).strftime("%d/%m/%Y %H:%M")
        fields = [f"{c.label}: {c.old or '—'} → {c.new or '—'}" for c in changes_between(type(obj), before, record)]
        lines.append(f"{who} ({when}): " + ("; ".join(fields) or _("saved")))
    return lines


def lock_version(model: type[models.Model], pk: int, expected_version: int | None) -> models.Model:
    """The row locked for update; ``StaleEdit`` when the form's version is not the row's any more."""
    obj = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and obj.version != expected_version:
        raise StaleEdit(str(STALE_MESSAGE), describe_changes_since(obj, expected_version))
    return obj
