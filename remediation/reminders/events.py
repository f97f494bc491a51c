"""The daily e-mail of state-change notices (task assigned, deadline changed, extension decided,
completion verified or sent back, report returned, accepted or submitted).

Claim first, then send, then record (house style): one conditional UPDATE stamps the
unclaimed notices with the run's token and the time, so two runs never take the same
notice; each recipient's mail covers only the notices of its token; success records
``emailed_at``, failure releases the claim. A second run the same day sends nothing.

A claim whose mail failed, or was lost (the broker or the worker went down after the
claim), is retried by beat every few minutes (``retry_notice_claims``): once the stale
window (REMINDER_STALE_CLAIM_SECONDS) has passed since the claim, a conditional UPDATE
moves the unsent notices to a new token and the mail is sent again, exactly once: a mail
still queued under the old token finds no row; a mail being sent holds its rows locked,
so the take-over waits for it and then no longer matches them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from agencies import clock

from ..models import Notification
from ..notices import NoticeKind
from .claims import stale_claim_window
from .digest import deliver, sender
from .links import notifications_link

User = get_user_model()


@dataclass
class NoticeRun:
    token: uuid.UUID
    recipient_ids: list[int]
    notices: int


def claim_notices() -> NoticeRun:
    """Stamp every notice not yet e-mailed nor claimed with a fresh token (one UPDATE: the claim)."""
    token = uuid.uuid4()
    claimed = Notification.objects.filter(
        kind__in=NoticeKind.values, emailed_at__isnull=True, email_token__isnull=True
    ).update(email_token=token, email_claimed_at=timezone.now())
    return NoticeRun(token, _recipients(token), claimed)


def _recipients(token: uuid.UUID) -> list[int]:
    rows = Notification.objects.filter(email_token=token, emailed_at__isnull=True).values_list(
        "recipient_id", flat=True
    )
    return sorted(set(rows))


def take_over_notice_claims(older_than: dt.timedelta | None = None) -> NoticeRun:
    """Claimed notices still unsent after the stale window (their mail failed or was lost), moved
    to a new run in one conditional UPDATE. Notices never claimed wait for the daily run.
    Elapsed time is read from the real clock, never the demo's pinned date."""
    cutoff = timezone.now() - (older_than if older_than is not None else stale_claim_window())
    token = uuid.uuid4()
    taken = Notification.objects.filter(
        kind__in=NoticeKind.values, emailed_at__isnull=True, email_claimed_at__lt=cutoff
    ).update(email_token=token, email_claimed_at=timezone.now())
    return NoticeRun(token, _recipients(token) if taken else [], taken)


def render_notices(user, notices: list[Notification]) -> EmailMultiAlternatives:
    site = settings.SITE_URL.rstrip("/")
    with translation.override("vi"):
        context = {
            "user": user,
            "items": [(n, site + n.url, str(NoticeKind(n.kind).label)) for n in notices],
            "notifications_url": site + notifications_link(),
        }
        subject = " ".join(render_to_string("emails/notice_digest_subject.txt", context).split())
        text = render_to_string("emails/notice_digest.txt", context)
        html = render_to_string("emails/notice_digest.html", context)
    message = EmailMultiAlternatives(subject, text, sender(), [user.email])
    message.attach_alternative(html, "text/html")
    return message


def send_notices(recipient_id: int, token: str) -> str:
    """One recipient's mail for one run: 'sent', 'failed' (claim released for the next run) or 'nothing'."""
    user = User.objects.filter(pk=recipient_id).first()
    with transaction.atomic():
        notices = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_token=token, recipient_id=recipient_id, emailed_at__isnull=True)
            .order_by("created_at", "id")
        )
        if not notices or user is None:
            return "nothing"
        mine = Notification.objects.filter(pk__in=[n.pk for n in notices])
        if not user.email:  # in-app only: recorded so no later run tries again
            mine.update(emailed_at=clock.now())
            return "nothing"
        error = deliver(render_notices(user, notices))
        if error:  # released; email_claimed_at stays, so beat's retry takes it after the window
            mine.update(email_token=None)
            return "failed"
        mine.update(emailed_at=clock.now())
    return "sent"
