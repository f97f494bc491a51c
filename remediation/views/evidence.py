"""Evidence files are served only here, after checking the viewer's rights."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from agencies.files import private_download

from .. import access


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_object_or_404(access.visible_evidence(request.user), pk=pk)
    return private_download(evidence.file, evidence.original_name, evidence.content_type)
