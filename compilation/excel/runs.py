"""Large uploads are read by a Celery worker, not by the web request (the consolidated report's pattern).

The request records an ``ImportRun`` (one per upload and step: preview or import, under a unique
constraint, so a second click or a reload enqueues nothing twice) and the page polls it. The
worker claims the row with a conditional update, calls the same ``run_import`` as the synchronous
path and the command, and stores the result as plain data for the preview page.

Without a broker (the embedded default: Celery runs eagerly in the web process) and for small
files, the request parses the upload itself, as before: a small workbook reads in well under a
second, and a background worker would only add a polling round-trip.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from parindex.models import Cycle

from ..models import ImportRun, ImportRunStatus
from .importing import ImportResult, Problem, Summary, run_import

FIELDS = ("kind", "dry_run", "sheet", "rows", "framework_name", "framework_kind", "applied")
LISTS = (
    "sheets",
    "hidden_sheets",
    "shared_with",
    "relinks",
    "unused_columns",
    "unknown_agencies",
    "agency_groups",
    "deadlines",
)


def crosswalk_path(path: Path) -> Path:
    """Where the crosswalk given with an upload is kept, beside it."""
    return path.with_name(f"{path.stem}.crosswalk.xlsx")


def read_crosswalk(path: Path) -> bytes | None:
    try:
        return crosswalk_path(path).read_bytes()
    except FileNotFoundError:
        return None


def parsed_path(path: Path) -> Path:
    """Where the preview's read of an upload is kept, beside it, for the confirmation (parse once)."""
    return path.with_name(f"{path.stem}.parsed.json")


def read_parsed(path: Path) -> dict | None:
    """The preview's read of the upload, or None (none kept, or unreadable: the file is then parsed again)."""
    try:
        return json.loads(parsed_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def keep_parsed(path: Path, result: ImportResult) -> None:
    """Keep a preview's read beside its upload; written whole or not at all (a temporary file, then renamed)."""
    if result.parsed is None:
        return
    target = parsed_path(path)
    partial = target.with_name(f"{target.name}.part")
    partial.write_text(json.dumps(result.parsed, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, target)


def in_background(path: Path) -> bool:
    """Whether a worker reads this upload: there is a broker and the file is not small."""
    if current_app.conf.task_always_eager:
        return False
    return path.stat().st_size >= settings.EXCEL_BACKGROUND_MIN_BYTES


def result_to_data(result: ImportResult) -> dict:
    problems = [p.__dict__ for p in result.problems]
    summary = {name: dict(getattr(result.summary, name)) for name in ("created", "updated", "unchanged")}
    fields = (
        "kind",
        "dry_run",
        "sheet",
        "rows",
        "framework_name",
        "framework_kind",
        "applied",
        "copied_from",
        "replaces",
        *LISTS,
    )
    return {**{f: getattr(result, f) for f in fields}, "problems": problems, "summary": summary}


def result_from_data(data: dict) -> ImportResult:
    summary = Summary(**{name: Counter(data["summary"][name]) for name in ("created", "updated", "unchanged")})
    fields = FIELDS
    lists = {f: data.get(f, []) for f in LISTS}  # results stored before these lists existed have none
    lists["copied_from"], lists["replaces"] = data.get("copied_from", ""), data.get("replaces", "")
    problems = [Problem(**p) for p in data["problems"]]
    return ImportResult(**{f: data[f] for f in fields}, **lists, problems=problems, summary=summary)


def start_run(token: str, entry: dict, user, confirm: bool, language: str) -> tuple[ImportRun, bool]:
    """The run of this upload and step, created once; ``created`` tells the caller to enqueue it."""
    values = {
        "kind": entry["kind"],
        "cycle_id": entry["cycle"],
        "requested_by": user,
        "framework_name": entry["framework_name"],
        "framework_kind": entry["framework_kind"],
        "sheet": entry.get("sheet", ""),
        "language": language,
    }
    try:
        with transaction.atomic():
            return ImportRun.objects.get_or_create(token=token, confirm=confirm, defaults=values)
    except IntegrityError:  # two clicks at once: the other request created it
        return ImportRun.objects.get(token=token, confirm=confirm), False


def is_stuck(run: ImportRun) -> bool:
    """Pending a minute after it was enqueued (the message was lost), or running past the report's
    stale timeout (its worker died): the page enqueues it again, and the claim keeps it to one read."""
    now = timezone.now()
    if run.status == ImportRunStatus.PENDING:
        return now - run.requested_at > dt.timedelta(seconds=60)
    if run.status == ImportRunStatus.RUNNING and run.started_at is not None:
        return now - run.started_at > dt.timedelta(seconds=settings.REPORT_STUCK_AFTER_SECONDS)
    return False


def execute_run(run_id: int, path: Path) -> ImportRun:
    """Worker side: claim the run (exactly one worker reads it), read the file, store the result."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.REPORT_STUCK_AFTER_SECONDS)
    claimed = (
        ImportRun.objects.filter(pk=run_id)
        .filter(status__in=[ImportRunStatus.PENDING, ImportRunStatus.RUNNING])
        .exclude(status=ImportRunStatus.RUNNING, started_at__gte=stale)
        .update(status=ImportRunStatus.RUNNING, started_at=now)
    )
    run = ImportRun.objects.select_related("cycle", "requested_by").get(pk=run_id)
    if not claimed:
        return run
    try:
        with translation.override(run.language):
            result = run_import(
                path.read_bytes(),
                run.kind,
                Cycle.objects.get(pk=run.cycle_id),
                dry_run=not run.confirm,
                user=run.requested_by,
                framework_name=run.framework_name,
                framework_kind=run.framework_kind,
                sheet=run.sheet,
                crosswalk=read_crosswalk(path),
                parsed=read_parsed(path) if run.confirm else None,
            )
        if not run.confirm:
            keep_parsed(path, result)
        run.result, run.status = result_to_data(result), ImportRunStatus.DONE
    except Exception as exc:  # the page must show the failure instead of polling for ever
        run.status, run.error = ImportRunStatus.FAILED, f"{exc.__class__.__name__}: {exc}"[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["result", "status", "error", "finished_at"])
    return run
