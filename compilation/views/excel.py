"""Excel pages: SNV imports frameworks and task lists; everyone with a scope exports the tracking workbook.

Views hold permission, lookup, form, service call and response only; the
import and export services live in importing.py and exporting.py.

Permissions: only SNV (``user.is_snv``) imports or downloads templates; other
users get 404, so the pages' existence is not revealed. SNV and the
Chairman's office export the whole province; an agency user exports only the
tasks its agency leads or coordinates.

An upload waiting for confirmation is kept in the private storage under a
random token held in the user's session, with the preview's read of it
(runs.keep_parsed): the confirmation applies that read and never parses the
workbook again, but plans against the database again, so what is written is
checked against the database as it is then.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
import time
import unicodedata
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Agency
from parindex.models import Cycle

from .. import tasks
from ..excel import runs
from ..excel.exporting import export_filename, export_workbook, template_workbook
from ..excel.importing import ImportKind, run_import, save_alias
from ..forms.excel import ExportForm, ImportForm
from ..models import ImportRun, ImportRunStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "excel_imports"
UPLOAD_DIR = "excel-imports"
UPLOAD_MAX_AGE = 12 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _require_snv(request: HttpRequest) -> None:
    if not request.user.is_snv:
        raise Http404


def _export_scope(request: HttpRequest) -> Agency | None:
    """None for the whole province (SNV, Chairman's office); the user's agency otherwise; 404 without either."""
    user = request.user
    if user.sees_everything:
        return None
    if user.agency is None:
        raise Http404
    return user.agency


def _home(request: HttpRequest, import_form=None, export_form=None, status: int = 200) -> HttpResponse:
    agency = _export_scope(request)
    context = {
        "import_form": (import_form or ImportForm()) if request.user.is_snv else None,
        "export_form": export_form or ExportForm(),
        "export_agency": agency,
        "kinds": ImportKind.choices,
    }
    return render(request, "compilation/excel_home.html", context, status=status)


@login_required
@require_GET
def excel_home(request: HttpRequest) -> HttpResponse:
    return _home(request)


# --------------------------------------------------------------------------- import


def _upload_dir() -> Path:
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep_old_uploads(folder: Path) -> None:
    """Uploads never confirmed are dropped after a while; they are copies, the user keeps the original."""
    limit = time.time() - UPLOAD_MAX_AGE
    for path in [*folder.glob("*.xlsx"), *folder.glob("*.parsed.json")]:
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _store_upload(upload, crosswalk=None) -> str:
    folder = _upload_dir()
    _sweep_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    for target, source in (
        (folder / f"{token}.xlsx", upload),
        (runs.crosswalk_path(folder / f"{token}.xlsx"), crosswalk),
    ):
        if source is None:
            continue
        with target.open("wb") as out:
            for chunk in source.chunks():
                out.write(chunk)
    return token


def _pending(request: HttpRequest, token: str) -> tuple[dict, Path]:
    """The upload behind a token of this session; 404 for another session's token or an expired one."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    path = _upload_dir() / f"{token}.xlsx"
    if not TOKEN_RE.match(token) or entry is None or not path.exists():
        raise Http404
    return entry, path


def _forget(request: HttpRequest, token: str, path: Path) -> None:
    path.unlink(missing_ok=True)
    runs.crosswalk_path(path).unlink(missing_ok=True)
    runs.parsed_path(path).unlink(missing_ok=True)
    request.session.get(SESSION_KEY, {}).pop(token, None)
    request.session.modified = True


@login_required
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    """Keep the upload privately and go to its preview; nothing is imported yet."""
    _require_snv(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, import_form=form, status=400)
    data = form.cleaned_data
    token = _store_upload(data["file"], data.get("crosswalk"))
    request.session.setdefault(SESSION_KEY, {})[token] = {
        "kind": data["kind"],
        "cycle": data["cycle"].pk,
        "framework_name": data["framework_name"],
        "framework_kind": data["framework_kind"],
        "filename": Path(data["file"].name).name[:200],
        "crosswalk": bool(data.get("crosswalk")),
    }
    request.session.modified = True
    return redirect("compilation:excel-preview", token=token)


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a dry run listing every problem, or what would change. POST: the import itself, all or nothing.

    A large upload with a broker is read by a worker (compilation.excel.runs): the request records
    the run, and the page (``?confirm=1`` for the import) polls until the result is stored.
    """
    _require_snv(request)
    entry, path = _pending(request, token)
    cycle = Cycle.objects.filter(pk=entry["cycle"]).first()
    if cycle is None:
        _forget(request, token, path)
        raise Http404
    confirm = request.method == "POST"
    if not confirm and request.GET.get("confirm") == "1":  # following an import a worker runs; a GET never starts one
        return _background(request, token, entry, path, cycle, confirm=True)
    if runs.in_background(path) or ImportRun.objects.filter(token=token, confirm=confirm).exists():
        return _background(request, token, entry, path, cycle, confirm)
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # a second click on "confirm" while the first finished
        raise Http404 from None
    result = run_import(
        data,
        entry["kind"],
        cycle,
        dry_run=not confirm,
        user=request.user,
        framework_name=entry["framework_name"],
        framework_kind=entry["framework_kind"],
        sheet=entry.get("sheet", ""),
        crosswalk=runs.read_crosswalk(path),
        parsed=runs.read_parsed(path) if confirm else None,
    )
    if not confirm:
        runs.keep_parsed(path, result)
    return _show_result(request, token, entry, path, cycle, confirm, result)


def _show_result(request, token: str, entry: dict, path: Path, cycle: Cycle, confirm: bool, result) -> HttpResponse:
    if confirm and result.applied:
        _forget(request, token, path)
        lines = "; ".join(result.summary.lines())
        messages.success(
            request, _("“%(file)s” was imported: %(summary)s.") % {"file": entry["filename"], "summary": lines}
        )
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("compilation:excel-home")
            return response
        return redirect("compilation:excel-home")
    context = {"result": result, "entry": entry, "cycle": cycle, "token": token, "kind": ImportKind(entry["kind"])}
    if result.unknown_agencies:  # the agencies an unknown name may be saved for
        context["alias_agencies"] = Agency.objects.as_of(cycle.as_of()).by_name().only("id", "name")
    if request.headers.get("HX-Request"):  # the poll found the result: the whole page replaces the progress
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "compilation/excel_preview.html", context)


def _background(request, token: str, entry: dict, path: Path, cycle: Cycle, confirm: bool) -> HttpResponse:
    """Record (once) and enqueue the run; show its progress until a worker has stored the result."""
    if request.method == "POST" or not confirm:  # POST starts the import; GET the preview
        run, created = runs.start_run(token, entry, request.user, confirm, translation.get_language() or "vi")
    else:
        run = ImportRun.objects.filter(token=token, confirm=True).first()
        if run is None:
            raise Http404
        created = False
    if created or runs.is_stuck(run):
        tasks.enqueue_import(run.pk, str(path))
    if request.method == "POST":  # the import runs in the worker: follow it on a page that polls
        return redirect(reverse("compilation:excel-preview", args=[token]) + "?confirm=1")
    if run.status == ImportRunStatus.DONE:
        return _show_result(request, token, entry, path, cycle, confirm, runs.result_from_data(run.result))
    context = {"run": run, "entry": entry, "cycle": cycle, "token": token, "kind": ImportKind(entry["kind"])}
    context["poll_url"] = request.get_full_path()
    template = "compilation/excel_progress_status.html" if request.headers.get("HX-Request") else None
    return render(request, template or "compilation/excel_progress.html", context)


@login_required
@require_POST
def import_sheet(request: HttpRequest, token: str) -> HttpResponse:
    """Read another visible sheet of the same upload: a new token, so a stored run of the old choice is never reused."""
    _require_snv(request)
    entry, path = _pending(request, token)
    sheet = unicodedata.normalize("NFC", request.POST.get("sheet", "")).strip()[:100]
    if not sheet:
        messages.error(request, _("Choose the sheet to read."))
        return redirect("compilation:excel-preview", token=token)
    return _read_again(request, token, entry, path, sheet=sheet)


def _read_again(request: HttpRequest, token: str, entry: dict, path: Path, **changes) -> HttpResponse:
    """The preview of the same upload read again: under a new token, so a stored run of the old reading is never
    reused."""
    new_token = secrets.token_urlsafe(24)
    new_path = _upload_dir() / f"{new_token}.xlsx"
    if runs.crosswalk_path(path).exists():
        runs.crosswalk_path(path).rename(runs.crosswalk_path(new_path))
    path.rename(new_path)
    runs.parsed_path(path).unlink(missing_ok=True)  # the read of another sheet
    sessions = request.session.setdefault(SESSION_KEY, {})
    sessions.pop(token, None)
    sessions[new_token] = {**entry, **changes}
    request.session.modified = True
    return redirect("compilation:excel-preview", token=new_token)


@login_required
@require_POST
def import_alias(request: HttpRequest, token: str) -> HttpResponse:
    """Save a name the preview did not know as another name of an agency ("did you mean …"), then read the
    same upload again, where the rows naming it now match. A refused name is said on the preview; nothing saved."""
    _require_snv(request)
    entry, path = _pending(request, token)
    cycle = Cycle.objects.filter(pk=entry["cycle"]).first()
    try:
        alias = save_alias(
            request.POST.get("text", ""), request.POST.get("agency", ""), request.user, cycle.as_of() if cycle else None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("compilation:excel-preview", token=token)
    messages.success(
        request,
        _("“%(text)s” is saved as another name of “%(agency)s”.") % {"text": alias.text, "agency": alias.agency.name},
    )
    return _read_again(request, token, entry, path)


@login_required
@require_POST
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    _require_snv(request)
    _entry, path = _pending(request, token)
    _forget(request, token, path)
    messages.info(request, _("The import was cancelled; nothing was written."))
    return redirect("compilation:excel-home")


@login_required
@require_GET
def template_download(request: HttpRequest, kind: str) -> FileResponse:
    """An empty workbook with the import headers and a sheet explaining each column."""
    _require_snv(request)
    if kind not in ImportKind.values:
        raise Http404
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    template_workbook(kind, out)
    out.seek(0)
    filename = "mau-bo-tieu-chi.xlsx" if kind == ImportKind.FRAMEWORK else "mau-giao-nhiem-vu.xlsx"
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)


# --------------------------------------------------------------------------- export


@login_required
@require_GET
def export_download(request: HttpRequest) -> HttpResponse:
    """The tracking workbook, streamed from a temporary file (write-only: memory stays flat)."""
    agency = _export_scope(request)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _home(request, export_form=form, status=400)
    cycle: Cycle = form.cleaned_data["cycle"]
    as_of: dt.date = form.cleaned_data["as_of"] or cycle.as_of()
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    export_workbook(cycle, as_of, out, agency)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=export_filename(cycle, as_of, agency), content_type=XLSX)
