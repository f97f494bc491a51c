"""SNV issues and revokes the API tokens of the province's other systems (compilation/api)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from agencies.decorators import snv_required

from ..api import tokens
from ..forms.api_tokens import IssueTokenForm
from ..models import ApiToken


@never_cache
@snv_required
def token_list(request: HttpRequest) -> HttpResponse:
    """Every token with its scope, last use and state; a POST issues one and shows its secret once."""
    form = IssueTokenForm(request.POST if request.method == "POST" else None)
    issued = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = tokens.issue_token(name=data["name"], scope=data["scope"], agency=data["agency"], by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            form = IssueTokenForm()
    context = {
        "tokens": ApiToken.objects.select_related("agency", "created_by", "revoked_by"),
        "form": form,
        "issued": issued,
    }
    return render(request, "compilation/api_tokens.html", context, status=400 if form.errors else 200)


@snv_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    tokens.revoke_token(token.pk, by=request.user)
    messages.success(request, _("Token revoked: %(name)s.") % {"name": token.name})
    return redirect("compilation:api-tokens")
