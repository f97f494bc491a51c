"""Who may call what: the pages' role gates, and what each token scope may write.

A role gate that fails answers 404, as the pages do, so the API cannot be probed either.
Which agency's objects a caller sees is the QuerySets' part (views.py), never decided here.
"""

from __future__ import annotations

from rest_framework import permissions

from ..models import ApiScope, ApiToken


def token_of(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class TokenScope(permissions.BasePermission):
    """Signed in (session) or a valid token; a token writes only where its scope is named.

    A view lists the scopes that may write through it in ``write_scopes``: a province
    read-only token writes nowhere, an agency token posts progress, SNV's token posts the
    appraisal results. A session writes as the browser would: the service decides.
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = token_of(request)
        if token is None or request.method in permissions.SAFE_METHODS:
            return True
        return token.scope in getattr(view, "write_scopes", ())


AGENCY_WRITES = (ApiScope.AGENCY,)
SNV_WRITES = (ApiScope.SNV_WRITE,)
