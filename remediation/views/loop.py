"""Closing the loop: verify or send back a completion, request and decide deadline extensions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.versioning import StaleEdit

from .. import access, assignment, extensions, verification
from ..forms.loop import ExtensionDecisionForm, ExtensionRequestForm, SendBackForm, VerifyForm
from ..models import DeadlineExtension, Task
from .common import add_validation_error, stale_messages
from .tasks import _detail_context, _task_or_404


def _answer(request: HttpRequest, task, form_name: str, form, act, done: str) -> HttpResponse:
    """Form, service, message; a refused rule comes back on the task page with 400, never a 500."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except StaleEdit as exc:
            stale_messages(request, exc)
            task.refresh_from_db()
            return render(request, "remediation/task_detail.html", _detail_context(request, task), status=409)
        except ValidationError as exc:
            add_validation_error(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, done)
            if request.POST.get("back") == "inbox":  # decided from SNV's inbox: back to it
                return redirect("remediation:report-inbox")
            return redirect("remediation:task-detail", pk=task.pk)
    ctx = _detail_context(request, task, **{form_name: form})
    return render(request, "remediation/task_detail.html", ctx, status=400)


@login_required
@require_POST
def task_verify(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404_for_verifier(request, pk)
    form = VerifyForm(request.POST)

    def act(d):
        verification.verify_completion(task.pk, request.user, note=d["note"], expected_version=d["version"])

    return _answer(request, task, "verify_form", form, act, _("The completion is verified."))


@login_required
@require_POST
def task_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404_for_verifier(request, pk)
    form = SendBackForm(request.POST)

    def act(d):
        verification.send_back_completion(task.pk, request.user, reason=d["reason"], expected_version=d["version"])

    return _answer(request, task, "send_back_form", form, act, _("The completion is sent back to the agency."))


def _task_or_404_for_verifier(request: HttpRequest, pk: int) -> Task:
    task = get_object_or_404(Task.objects.select_related("cycle", "lead_agency"), pk=pk)
    if not verification.can_verify(request.user, task):
        raise Http404
    return task


@login_required
@require_POST
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    if not access.can_complete(request.user, task):
        raise Http404
    form = ExtensionRequestForm(request.POST)

    def act(d):
        extensions.request_extension(task.pk, request.user, proposed=d["proposed_deadline"], reason=d["reason"])

    return _answer(request, task, "extension_form", form, act, _("The extension request is sent to SNV."))


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_snv:
        raise Http404
    ext = get_object_or_404(DeadlineExtension.objects.select_related("task__cycle", "task__lead_agency"), pk=pk)
    form = ExtensionDecisionForm(request.POST)
    approve = "approve" in request.POST

    def act(d):
        extensions.decide_extension(
            ext.pk, request.user, approve=approve, comment=d["comment"], deadline=d["deadline"] if approve else None
        )

    done = _("The extension is approved.") if approve else _("The extension is refused.")
    return _answer(request, ext.task, "decision_form", form, act, done)


@login_required
@require_POST
def task_priority(request: HttpRequest, pk: int) -> HttpResponse:
    """SNV's priority mark on a task (the backlog's oldest first)."""
    if not request.user.is_snv:
        raise Http404
    task = get_object_or_404(Task, pk=pk)
    wanted = request.POST.get("priority")
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest(_("Choose whether the task is a priority."))
    assignment.mark_priority(task, user=request.user, priority=wanted == "1")
    messages.success(request, _("The priority mark is saved."))
    return redirect("remediation:task-detail", pk=task.pk)
