"""Agency staff: the task list, the task page, progress, completion and causes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import versioning
from agencies.models import Agency
from agencies.params import parse_int_or_none
from agencies.versioning import StaleEdit
from parindex.access import selected_cycle
from parindex.models import Criterion, Score

from .. import access, effect, services, verification
from ..filters import TaskFilter
from ..forms.loop import ExtensionDecisionForm, ExtensionRequestForm, SendBackForm, VerifyForm
from ..forms.work import CauseForm, CompleteForm, ProgressForm
from ..models import ExtensionState, Task, by_deadline
from ..status import TaskStatus
from .common import add_validation_error, area_choices, stale_messages

PAGE_SIZE = 25
# What a row of the list shows (remediation_tags.task_rows): the other columns (texts of the
# shortcoming, the description, the cause …) are not read, and the sub-criteria only by code.
LIST_FIELDS = (
    "number",
    "title",
    "deadline",
    "original_deadline",
    "completed_on",
    "verified_on",
    "progress",
    "lead_agency__name",
    "lead_agency__short_name",
)
LIST_CODES = Prefetch("sub_criteria", queryset=Criterion.objects.only("id", "code"))


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """'Nhiệm vụ của đơn vị': tasks the agency leads or coordinates (everything for SNV and the Chairman's office)."""
    cycle = selected_cycle(request)
    as_of = cycle.as_of()
    base = access.visible_tasks(request.user).filter(cycle=cycle).not_closed().with_status(as_of)
    counts = access.visible_tasks(request.user).filter(cycle=cycle).status_counts(as_of)
    filterset = TaskFilter(
        request.GET or None, queryset=base, user_agency=None if request.user.sees_everything else request.user.agency
    )
    qs = filterset.qs if filterset.is_bound else base.order_by(by_deadline(), "id")
    page = Paginator(
        qs.select_related("lead_agency").only(*LIST_FIELDS).prefetch_related(LIST_CODES), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "remediation/task_list.html",
        {
            "cycle": cycle,
            "as_of": as_of,
            "filter": filterset,
            "page": page,
            "counts": counts,
            "statuses": TaskStatus,
            "query": query.urlencode(),
            "user_agency": request.user.agency,
            "areas": area_choices(cycle),
            **_lead_choices(request, cycle),
        },
    )


def _lead_choices(request: HttpRequest, cycle) -> dict:
    """The lead-agency filter's options as plain tuples (one query, no widget rendering per option).

    Only SNV and the Chairman's office filter by lead agency; agencies filter by their role.
    """
    if not request.user.sees_everything:
        return {"lead_choices": [], "lead_selected": None}
    return {
        "lead_choices": list(Agency.objects.as_of(cycle.as_of()).by_name().values_list("id", "name")),
        "lead_selected": parse_int_or_none(request.GET.get("lead")),
    }


def _task_or_404(request: HttpRequest, pk: int) -> Task:
    """A task the user may see; a focal agency the cycle lets verify sees the claims it verifies too."""
    related = ("cycle", "lead_agency", "verified_by")
    task = (
        access.visible_tasks(request.user)
        .select_related(*related)
        .prefetch_related("coordinating_agencies")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        task = get_object_or_404(Task.objects.select_related(*related).prefetch_related("coordinating_agencies"), pk=pk)
        if not (task.completed_on and verification.can_verify(request.user, task)):
            raise Http404
    return task


# The task page shows the latest progress updates and changes; a task worked on for years keeps
# all of them, on their own paginated pages (task_updates, task_history), so the page a user
# opens every day costs the same whatever the task's age.
SHOWN_ON_TASK_PAGE = 10
HISTORY_PAGE_SIZE = 25


def _updates(task: Task):
    """The task's progress updates, newest first, with their authors and evidence."""
    return task.updates.select_related("author", "agency").prefetch_related("evidence")


def _detail_context(request: HttpRequest, task: Task, **forms) -> dict:
    as_of = task.cycle.as_of()
    user = request.user
    subs = list(task.sub_criteria.select_related("parent__parent__focal_agency").order_by("order"))
    scores = {s.criterion_id: s for s in Score.objects.filter(cycle=task.cycle, criterion__in=subs)}
    updates = list(_updates(task)[: SHOWN_ON_TASK_PAGE + 1])
    history, more_history = _field_history(task, limit=SHOWN_ON_TASK_PAGE)
    can_update, can_complete = access.can_update(user, task), access.can_complete(user, task)
    has_evidence = task.evidence.exists()
    needs_cause = services.cause_required(task, as_of) and not task.cause.strip()
    ctx = {
        "task": task,
        "as_of": as_of,
        "status": task.status_on(as_of),
        "days_left": task.days_left(as_of),
        "subs": [(c, scores.get(c.id)) for c in subs],
        "updates": updates[:SHOWN_ON_TASK_PAGE],
        "updates_total": task.updates.count() if len(updates) > SHOWN_ON_TASK_PAGE else None,
        "loose_evidence": task.evidence.filter(progress_update__isnull=True),
        "history": history,
        "more_history": more_history,
        "can_update": can_update,
        "can_complete": can_complete,
        "needs_cause": needs_cause,
        "progress_form": ProgressForm(
            initial={"version": task.version, "percent": task.progress},
            cause_required=needs_cause,
            today=task.cycle.today(),
        ),
        "complete_form": CompleteForm(
            initial={"version": task.version},
            deadline=task.deadline,
            has_evidence=has_evidence,
            today=task.cycle.today(),
        ),
        "cause_form": CauseForm(
            initial={"version": task.version, "cause": task.cause, "cannot_finish": task.cannot_finish}
        ),
        **_loop_context(user, task, as_of),
    }
    won, mine = effect.task_won_back(task, subs)
    ctx.update(won_back=won, task_effect=mine)
    ctx.update(forms)
    return ctx


def _loop_context(user, task: Task, as_of) -> dict:
    """Verification and extensions on the task page: the claim, the verifier's forms, the requests."""
    exts = list(task.extensions.select_related("requested_by", "decided_by").order_by("-requested_at", "-id"))
    can_verify = verification.can_verify(user, task) and task.completed_on is not None and task.verified_on is None
    return {
        # The page shows the claim as it stands now (counts as of a date use is_claimed/claimed_q).
        "claimed": task.completed_on is not None and task.verified_on is None,
        "can_verify": can_verify,
        "verify_form": VerifyForm(initial={"version": task.version}),
        "send_back_form": SendBackForm(initial={"version": task.version}),
        "extensions": exts,
        "times_extended": sum(1 for e in exts if e.state == ExtensionState.APPROVED),
        "pending_extension": next((e for e in exts if e.state == ExtensionState.PENDING), None),
        "can_request_extension": access.can_complete(user, task) and task.completed_on is None and not task.is_ongoing,
        "extension_form": ExtensionRequestForm(),
        "decision_form": ExtensionDecisionForm(),
        "can_decide": user.is_snv,
    }


def _history_records(task: Task):
    return task.history.select_related("history_user").order_by("-history_date", "-history_id")


def _field_history(task: Task, limit: int, offset: int = 0) -> tuple[list[dict], bool]:
    """Saved changes of the task's fields, newest first: who, when, what (simple_history, agencies.versioning).

    ``limit`` changes from ``offset``, and whether older ones exist. One record more is read, so
    that the oldest one shown is compared with the one before it. Foreign keys are shown by name
    (the lead agency, who verified), never by id: one query per related model, whatever the
    number of history rows.
    """
    records = list(_history_records(task)[offset : offset + limit + 1])
    out = versioning.with_changes(Task, records)[:limit]
    names: dict = {}
    linked = _linked_names([c for entry in out for c in entry["changes"]])
    for entry in out:
        shown = []
        for c in entry["changes"]:
            if c.field in M2M_KEYS:
                names = names or _m2m_names()  # only when a history row changed a many-to-many field
                old, new = (_names(v, M2M_KEYS[c.field], names) for v in (c.old, c.new))
            elif c.field in linked:
                old, new = linked[c.field].get(c.old, c.old), linked[c.field].get(c.new, c.new)
            else:
                old, new = c.old, c.new
            shown.append((c.label, old, new))
        entry["changes"] = shown
    return out, len(records) > limit


M2M_KEYS = {"coordinating_agencies": "agency", "sub_criteria": "criterion"}


def _linked_names(changes) -> dict[str, dict]:
    """For each foreign key the changes touch (``lead_agency_id``, ``verified_by_id`` …): id → display name."""
    ids: dict[str, set] = {}
    for c in changes:
        if c.field.endswith("_id") and c.field not in M2M_KEYS:
            ids.setdefault(c.field, set()).update(v for v in (c.old, c.new) if v is not None)
    out = {}
    for attname, values in ids.items():
        model = Task._meta.get_field(attname.removesuffix("_id")).related_model
        rows = model._default_manager.in_bulk(values)
        out[attname] = {pk: _display(obj) for pk, obj in rows.items()}
    return out


def _display(obj) -> str:
    if isinstance(obj, get_user_model()):
        return obj.get_full_name() or obj.username
    return str(obj)


def _m2m_names() -> dict:
    """Display names for the ids that history rows of the many-to-many fields hold (two queries)."""
    return {
        "agency": {a.pk: str(a) for a in Agency.objects.only("id", "name", "short_name")},
        "criterion": dict(Criterion.objects.values_list("id", "code")),
    }


def _names(value, key: str, names: dict) -> str:
    ids = [row[key] for row in (value or []) if isinstance(row, dict) and key in row]
    return ", ".join(names[key].get(i, "?") for i in ids) or "—"


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    return render(request, "remediation/task_detail.html", _detail_context(request, task))


@login_required
def task_updates(request: HttpRequest, pk: int) -> HttpResponse:
    """Every progress update of a task, newest first, a page at a time."""
    task = _task_or_404(request, pk)
    page = Paginator(_updates(task), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "remediation/task_updates.html", {"task": task, "page": page, "updates": page})


@login_required
def task_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every saved change of a task, newest first, a page at a time."""
    task = _task_or_404(request, pk)
    page = Paginator(_history_records(task), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    history, _more = _field_history(task, limit=HISTORY_PAGE_SIZE, offset=max(page.start_index() - 1, 0))
    return render(request, "remediation/task_history.html", {"task": task, "page": page, "history": history})


def _rerender(request: HttpRequest, task: Task, form_name: str, form, status: int = 400) -> HttpResponse:
    return render(
        request, "remediation/task_detail.html", _detail_context(request, task, **{form_name: form}), status=status
    )


def _task_action(request: HttpRequest, pk: int, *, allowed, form_name: str, make_form, act, done: str):
    """The shape every task POST shares: rights (404 when missing), form, service, message.

    ``act(task, cleaned_data)`` calls the service; a stale version answers 409 with what
    changed, a rule the service enforces comes back on the form with 400, nothing saved.
    """
    task = _task_or_404(request, pk)
    if not allowed(request.user, task):
        raise Http404
    form = make_form(task)
    if not form.is_valid():
        return _rerender(request, task, form_name, form)
    try:
        act(task, form.cleaned_data)
    except StaleEdit as exc:
        stale_messages(request, exc)
        task.refresh_from_db()
        return render(request, "remediation/task_detail.html", _detail_context(request, task), status=409)
    except ValidationError as exc:
        add_validation_error(form, exc)
        return _rerender(request, task, form_name, form)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, done)
    return redirect("remediation:task-detail", pk=task.pk)


@login_required
@require_POST
def task_progress(request: HttpRequest, pk: int) -> HttpResponse:
    def make_form(task):
        needs_cause = services.cause_required(task, task.cycle.as_of()) and not task.cause.strip()
        return ProgressForm(request.POST, request.FILES, cause_required=needs_cause, today=task.cycle.today())

    def act(task, d):
        services.record_progress(
            task.pk,
            request.user,
            percent=d["percent"],
            note=d["note"],
            reported_on=d["reported_on"],
            files=d["files"],
            cause=d.get("cause") or "",
            expected_version=d["version"],
        )

    return _task_action(
        request,
        pk,
        allowed=access.can_update,
        form_name="progress_form",
        make_form=make_form,
        act=act,
        done=_("Progress saved."),
    )


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    def make_form(task):
        return CompleteForm(
            request.POST,
            request.FILES,
            deadline=task.deadline,
            has_evidence=task.evidence.exists(),
            today=task.cycle.today(),
        )

    def act(task, d):
        services.complete_task(
            task.pk,
            request.user,
            completed_on=d["completed_on"],
            note=d["note"],
            files=d["files"],
            cause=d.get("cause") or "",
            expected_version=d["version"],
        )

    return _task_action(
        request,
        pk,
        allowed=access.can_complete,
        form_name="complete_form",
        make_form=make_form,
        act=act,
        done=_("The task is marked done."),
    )


@login_required
@require_POST
def task_cause(request: HttpRequest, pk: int) -> HttpResponse:
    def act(task, d):
        services.explain_task(
            task.pk, request.user, cause=d["cause"], cannot_finish=d["cannot_finish"], expected_version=d["version"]
        )

    return _task_action(
        request,
        pk,
        allowed=access.can_complete,
        form_name="cause_form",
        make_form=lambda task: CauseForm(request.POST),
        act=act,
        done=_("The cause is recorded."),
    )
