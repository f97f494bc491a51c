"""Per-client API tokens: issued and revoked by SNV, stored hashed, shown once, last use recorded.

A token is ``pt_`` + 43 random URL-safe characters (32 bytes of ``secrets``); the database keeps
its SHA-256 only, so a copy of the database does not hand out working tokens. A token acts
through its own service account (ApiToken.user) so that every read goes through the very
QuerySets the pages use (access.visible_tasks and the rest), and every write through the
same services with that account as the author.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from agencies import clock
from agencies.models import Agency, Membership, MembershipRole, ProvinceRole, User

from ..models import ApiScope, ApiToken

PREFIX = "pt_"
#: how often the last use is written at most: one UPDATE a minute per token, not one per call
LAST_USED_RESOLUTION_SECONDS = 60
SCOPE_ROLES = {ApiScope.PROVINCE_READ: ProvinceRole.CHAIRMAN_OFFICE, ApiScope.SNV_WRITE: ProvinceRole.SNV}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def issue_token(*, name: str, scope: str, agency: Agency | None, by: User) -> IssuedToken:
    """SNV issues a token for a client system; the secret is returned once."""
    if not by.is_snv:
        raise ValidationError(_("Only SNV issues API tokens."))
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the client system.")})
    if scope not in ApiScope.values:
        raise ValidationError({"scope": _("Choose a scope.")})
    if (scope == ApiScope.AGENCY) != (agency is not None):
        raise ValidationError({"agency": _("An agency token names its agency; the other scopes name none.")})
    secret = PREFIX + secrets.token_urlsafe(32)
    account = User(
        username=f"api-{secrets.token_hex(6)}",
        full_name=f"API: {name}"[:150],
        province_role=SCOPE_ROLES.get(scope, ""),
        is_service_account=True,
    )
    account.set_unusable_password()
    account.save()
    if agency is not None:
        Membership.objects.create(user=account, agency=agency, role=MembershipRole.STAFF)
    token = ApiToken(
        name=name[:120],
        scope=scope,
        agency=agency,
        user=account,
        prefix=secret[:10],
        key_hash=digest(secret),
        created_by=by,
        created_at=clock.now(),
    )
    token._history_user = by
    token.save()
    return IssuedToken(token, secret)


@transaction.atomic
def revoke_token(token_id: int, *, by: User) -> ApiToken:
    """Revoke at once: the next call with it answers 401. The row and its history stay."""
    if not by.is_snv:
        raise ValidationError(_("Only SNV revokes API tokens."))
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token_id)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = clock.now(), by
        token._history_user = by
        token.save()
        token.user.is_active = False
        token.user.save(update_fields=["is_active"])
    return token


def _record_use(token: ApiToken) -> None:
    """Write the last use, at most once a minute (a conditional UPDATE: workers never race)."""
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer pt_…``; request.user is the token's service account, request.auth the token."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: use Bearer <token>."))
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from exc
        token = ApiToken.objects.select_related("user", "agency").filter(key_hash=digest(secret)).first()
        if token is None or token.revoked_at is not None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token is not valid or has been revoked."))
        _record_use(token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class TokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI description of the token (drf-spectacular finds it by the class it names)."""

    target_class = "compilation.api.tokens.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Token do Sở Nội vụ cấp trên trang «Token API»: Authorization: Bearer pt_…",
        }
