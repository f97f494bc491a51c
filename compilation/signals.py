"""Receivers of the compilation: notices that need both the index and the remediation apps."""

from __future__ import annotations

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.models import Agency
from parindex.models import Round, RoundKind, Score
from parindex.services import area_focal_id
from parindex.signals import appraisal_below_self
from remediation import notices

from .templatetags.snv_tags import format_points


@receiver(appraisal_below_self, sender=Score, dispatch_uid="compilation.explanation_notice")
def explanation_due(sender, score: Score, user=None, **kwargs) -> None:
    """A new explanation round for a sub-criterion: its area's focal agency hears of it, with a link
    to the sub-criterion's page, where the explanation and its evidence are written."""
    focal_id = area_focal_id(score.criterion)
    if focal_id is None:
        return
    agency = Agency.objects.filter(pk=focal_id).first()
    if agency is None:
        return
    round_ = Round.objects.filter(cycle=score.cycle, kind=RoundKind.EXPLANATION).first()
    title = _("Explanation due: %(code)s, appraised %(appraised)s below the self score %(own)s") % {
        "code": score.criterion.code,
        "appraised": format_points(score.appraised_1),
        "own": format_points(score.self_score),
    }
    body = _("Write the explanation by %(date)s.") % {"date": f"{round_.deadline:%d/%m/%Y}"} if round_ else ""
    url = reverse("compilation:criterion-detail", args=[score.cycle.year, score.criterion_id])
    notices.notify(notices.members_of(agency), notices.NoticeKind.EXPLANATION_ROUND, title, url, body)
