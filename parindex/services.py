"""Writes on the index: score edits and starting the next cycle.

Views, management commands and imports call these, so each rule exists once.
Every write runs in ``transaction.atomic()`` and leaves a history record with
who made it (``_history_user``) and why (``_change_reason``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from agencies import clock
from agencies.models import Agency, User

from . import signals
from .models import (
    FIELD_ROUND,
    Criterion,
    Crosswalk,
    CrosswalkMapping,
    Cycle,
    Framework,
    Method,
    Result,
    Round,
    RoundKind,
    RoundOwner,
    RoundReopening,
    RoundSubmission,
    Score,
    ScoreEvidence,
)

SCORE_FIELDS = (
    "self_score",
    "estimate",
    "evidence_note",
    "appraised_1",
    "council_remark",
    "explanation",
    "appraised_score",
    "council_remark_2",
    "previous_score",
    "target",
    "note",
)
TEXT_FIELDS = ("note", "evidence_note", "council_remark", "explanation", "council_remark_2")

# Fields of a cycle carried unchanged into the next one: the document settings
# and the reminder rhythm rarely change from one year to the next.
CARRIED_CYCLE_FIELDS = (
    "governing_body",
    "issuing_body",
    "place",
    "report_subject",
    "signer_title",
    "signer_name",
    "recipients",
    "reminder_offsets",
    "overdue_step_days",
    "escalation_days",
    "reporting_kinds",
    "focal_agencies_verify",
)


# --------------------------------------------------------------------------- scores


@transaction.atomic
def update_score(cycle: Cycle, criterion: Criterion, *, user: User | None, reason: str = "", **values) -> Score:
    """Set some of a sub-criterion's figures for a cycle, creating its score row on first edit.

    The row is locked first, so two officers saving the same sub-criterion at
    once are applied one after the other, never interleaved field by field.
    The maximum is copied from the criterion again on every save: the database
    CHECK constraints compare against that copy.
    """
    unknown = set(values) - set(SCORE_FIELDS)
    if unknown:
        raise ValueError(f"Not score fields: {sorted(unknown)}")
    if criterion.children.exists():
        raise ValidationError(_("Only sub-criteria carry scores; the totals above them are computed."))
    Score.objects.get_or_create(cycle=cycle, criterion=criterion, defaults={"max_points": criterion.max_points})
    score = Score.objects.select_for_update().select_related("criterion").get(cycle=cycle, criterion=criterion)
    changed = {n for n, v in values.items() if getattr(score, n) != (_text(v) if n in TEXT_FIELDS else v)}
    was_below = _below_self(score)
    check_round_write(cycle, criterion, changed, user, score={**_current(score), **values})
    for name, value in values.items():
        setattr(score, name, _text(value) if name in TEXT_FIELDS else value)
    score.max_points = criterion.max_points
    score.method = criterion.method
    score.clean()
    score._history_user = user
    score._change_reason = reason
    # The record is dated by the project's clock, so "as recorded at D" reads the same
    # dates the rounds' deadlines are checked against (the demo pins the clock).
    score._history_date = clock.now(cycle)
    score.save()
    if not was_below and _below_self(score):
        signals.appraisal_below_self.send(sender=Score, score=score, user=user)
    return score


def _below_self(score: Score) -> bool:
    """The round-1 appraisal is lower than the self score: an explanation falls due."""
    return score.appraised_1 is not None and score.self_score is not None and score.appraised_1 < score.self_score


def _text(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def _stored(name: str, value):
    """A value as update_score would store it (text normalised), to tell an unchanged row."""
    return _text(value) if name in TEXT_FIELDS else value


def _current(score: Score) -> dict:
    return {name: getattr(score, name) for name in SCORE_FIELDS}


# --------------------------------------------------------------------------- rounds


def area_focal_id(criterion: Criterion) -> int | None:
    """The focal agency of the criterion's area (a few queries at most: the tree is three deep)."""
    node = criterion
    while node.parent_id is not None:
        node = node.parent
    return node.focal_agency_id


def _reopened(round_: Round, agency_id: int | None, today: dt.date) -> bool:
    return agency_id is not None and round_.reopenings.filter(agency_id=agency_id, until__gte=today).exists()


def check_round_write(
    cycle: Cycle, criterion: Criterion, fields: set[str], user: User | None, score: dict | None = None
) -> None:
    """The rule every write of a round's value through update_score and add_score_evidence obeys
    (the score form, the round pages). The Excel framework import does not call it yet.

    A round not yet open, or past its deadline, refuses its values, unless SNV has reopened
    the area's focal agency; in a round the focal agencies own, only that agency writes (SNV
    too, once it has reopened the entries with a reason), and not while its area stands
    submitted. An explanation is written only where the round-1 appraisal is below the
    self score. Cycles without rounds (archives, imports) keep the plain rules.
    """
    kinds = {FIELD_ROUND[f] for f in fields if f in FIELD_ROUND}
    if not kinds:
        return
    rounds = {r.kind: r for r in Round.objects.filter(cycle=cycle, kind__in=kinds)}
    today = cycle.today()
    focal_id = area_focal_id(criterion) if rounds else None
    for kind, round_ in rounds.items():
        label = round_.get_kind_display()
        reopened = _reopened(round_, focal_id, today)
        if not round_.has_opened(today):
            raise ValidationError(
                _("The %(round)s round opens on %(date)s.") % {"round": label, "date": f"{round_.opens:%d/%m/%Y}"}
            )
        if round_.is_locked_on(today) and not reopened:
            message = _(
                "The %(round)s round closed on %(date)s: its entries are locked. SNV can reopen an agency's "
                "entries with a reason."
            )
            raise ValidationError(message % {"round": label, "date": f"{round_.deadline:%d/%m/%Y}"})
        if round_.owner == RoundOwner.FOCAL:
            _check_focal_write(round_, focal_id, user, reopened)
        if kind == RoundKind.EXPLANATION and score is not None:
            appraised, own = score.get("appraised_1"), score.get("self_score")
            if appraised is None or own is None or appraised >= own:
                raise ValidationError(
                    {
                        "explanation": _(
                            "An explanation is written only where the round-1 appraisal is below the self score."
                        )
                    }
                )


def _check_focal_write(round_: Round, focal_id: int | None, user: User | None, reopened: bool) -> None:
    if user is not None:
        own = user.agency is not None and user.agency.pk == focal_id
        if not own and not (user.is_snv and reopened):
            raise ValidationError(
                _(
                    "The focal agency of the area enters this round's values; SNV writes in its place only after "
                    "reopening its entries with a reason."
                )
            )
    if RoundSubmission.objects.filter(round=round_, agency_id=focal_id, submitted_at__isnull=False).exists():
        raise ValidationError(_("The area has been submitted in this round; withdraw the submission to edit it."))


def _focal_round(round_: Round) -> None:
    if round_.owner != RoundOwner.FOCAL:
        raise ValidationError(_("Only rounds of the focal agencies are submitted by area."))


@transaction.atomic
def submit_area(round_: Round, agency: Agency, *, user: User) -> RoundSubmission:
    """A focal agency submits its area's entries; before the deadline (or within a reopening)."""
    _focal_round(round_)
    today = round_.cycle.today()
    if not round_.has_opened(today):
        raise ValidationError(_("The round has not opened yet."))
    if round_.is_locked_on(today) and not _reopened(round_, agency.pk, today):
        raise ValidationError(_("The round's deadline has passed: its entries are locked."))
    submission, _created = RoundSubmission.objects.select_for_update().get_or_create(round=round_, agency=agency)
    submission.submitted_at, submission.submitted_by = clock.now(round_.cycle), user
    submission._history_user = user
    submission.save()
    return submission


@transaction.atomic
def withdraw_area(round_: Round, agency: Agency, *, user: User) -> RoundSubmission:
    """Withdraw a submission to edit it again: only before the round's deadline."""
    _focal_round(round_)
    if round_.is_locked_on(round_.cycle.today()) and not _reopened(round_, agency.pk, round_.cycle.today()):
        raise ValidationError(_("The round's deadline has passed: a submission can no longer be withdrawn."))
    submission = RoundSubmission.objects.select_for_update().filter(round=round_, agency=agency).first()
    if submission is None or not submission.is_submitted:
        raise ValidationError(_("There is no submission to withdraw."))
    submission.submitted_at = None
    submission._history_user = user
    submission._change_reason = _("Withdrawn to edit")
    submission.save()
    return submission


@transaction.atomic
def reopen_entries(round_: Round, agency: Agency, *, user: User, reason: str, until: dt.date) -> RoundReopening:
    """SNV reopens one agency's entries of a round, recorded with who, when, why and until when."""
    if not user.is_snv:
        raise ValidationError(_("Only SNV reopens a round's entries."))
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening.")})
    if until < round_.cycle.today():
        raise ValidationError({"until": _("The reopening must last until today at least.")})
    reopening = RoundReopening.objects.create(
        round=round_, agency=agency, reopened_by=user, reopened_at=clock.now(round_.cycle), until=until, reason=reason
    )
    submission = RoundSubmission.objects.filter(round=round_, agency=agency, submitted_at__isnull=False).first()
    if submission is not None:  # reopened entries are edited, so the submission is withdrawn
        submission.submitted_at = None
        submission._history_user = user
        submission._change_reason = _("Reopened by SNV: %(reason)s") % {"reason": reason}
        submission.save()
    return reopening


def lock_due_rounds(today: dt.date | None = None) -> int:
    """Stamp the rounds whose deadline has passed as locked (the beat task); returns how many.

    The stamp is the record; the lock itself is the date rule of check_round_write, so a
    round is locked the day after its deadline even if this has not run yet.
    """
    today = today or clock.today()
    return Round.objects.filter(deadline__lt=today, locked_at__isnull=True).update(locked_at=clock.now())


@transaction.atomic
def update_round(
    round_: Round,
    *,
    user: User,
    reason: str,
    opens: dt.date,
    deadline: dt.date,
    closed_on: dt.date | None,
) -> Round:
    """SNV sets a round's dates or closes it, with a reason kept in the round's history.

    A deadline moved past today lifts the lock stamp (the date rule decides anyway); closing
    a round makes its figures final ("provisional" is dropped from the labels).
    """
    if not user.is_snv:
        raise ValidationError(_("Only SNV sets the rounds' dates."))
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change; it is kept in the round's history.")})
    if deadline < opens:
        raise ValidationError({"deadline": _("The deadline cannot come before the opening.")})
    if closed_on is not None and closed_on < opens:
        raise ValidationError({"closed_on": _("A round cannot close before it opens.")})
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    round_.opens, round_.deadline, round_.closed_on = opens, deadline, closed_on
    if round_.locked_at is not None and not round_.is_locked_on(round_.cycle.today()):
        round_.locked_at = None
    round_._history_user = user
    round_._change_reason = reason[:100]
    round_._history_date = clock.now(round_.cycle)
    round_.save()
    return round_


@transaction.atomic
def record_result(
    cycle: Cycle,
    kind: str,
    *,
    user: User,
    decision: str,
    decision_date: dt.date,
    percent: Decimal,
    rank: int,
    out_of: int,
    group: str = "",
    components: dict[str, Decimal] | None = None,
    note: str = "",
) -> Result:
    """SNV records the Ministry's announced result of a cycle (PAR Index or SIPAS).

    The group must be one of the methodology's (none where it has no groups); SIPAS
    components are the SIPAS framework's components, each a percentage. A correction
    keeps the earlier values in the result's history.
    """
    if not user.is_snv:
        raise ValidationError(_("Only SNV records the announced result."))
    framework = cycle.framework_of(kind)
    errors: dict[str, str] = {}
    if not Decimal(0) <= percent <= Decimal(100):
        errors["percent"] = _("A percentage lies between 0 and 100.")
    if not 1 <= rank <= out_of:
        errors["rank"] = _("The rank lies between 1 and the number of provinces ranked.")
    allowed = [g for g, _lowest in framework.thresholds] if framework else []
    group = _text(group)
    if group and group not in allowed:
        errors["group"] = (
            _("This methodology has no groups.")
            if not allowed
            else _("Choose one of the methodology's groups: %(groups)s.") % {"groups": ", ".join(allowed)}
        )
    codes = (
        set(Criterion.objects.filter(framework=framework).leaves().values_list("code", flat=True))
        if framework
        else set()
    )
    components = components or {}
    unknown = sorted(set(components) - codes)
    if unknown or any(not Decimal(0) <= v <= Decimal(100) for v in components.values()):
        errors["components"] = _(
            "Components are the framework's component codes, each with a percentage from 0 to 100."
        )
    if errors:
        raise ValidationError(errors)
    result = Result.objects.select_for_update().filter(cycle=cycle, kind=kind).first() or Result(cycle=cycle, kind=kind)
    result.decision, result.decision_date, result.percent = _text(decision), decision_date, percent
    result.rank, result.out_of, result.group, result.note = rank, out_of, group, _text(note)[:300]
    result.components = {code: str(value) for code, value in components.items()}
    result._history_user = user
    result._history_date = clock.now(cycle)
    result.save()
    return result


EVIDENCE_ROUND_FIELD = {RoundKind.SELF_ASSESSMENT: "evidence_note", RoundKind.EXPLANATION: "explanation"}


@transaction.atomic
def add_score_evidence(cycle: Cycle, criterion: Criterion, upload, *, user: User, round_kind: str) -> ScoreEvidence:
    """Attach an evidence document to a sub-criterion's self-assessment (or its explanation).

    The file is checked by content (agencies.files) and the round's rules apply as to its
    values: open, not past its deadline, written by the area's focal agency.
    """
    from agencies.files import sha256_of, validate_evidence

    if round_kind not in EVIDENCE_ROUND_FIELD:
        raise ValidationError(_("Evidence belongs to the self-assessment or the explanation."))
    Score.objects.get_or_create(cycle=cycle, criterion=criterion, defaults={"max_points": criterion.max_points})
    score = Score.objects.select_for_update().get(cycle=cycle, criterion=criterion)
    check_round_write(cycle, criterion, {EVIDENCE_ROUND_FIELD[round_kind]}, user, score=_current(score))
    mime = validate_evidence(upload)
    return ScoreEvidence.objects.create(
        score=score,
        round_kind=round_kind,
        file=upload,
        original_name=unicodedata.normalize("NFC", upload.name or "")[:255],
        content_type=mime,
        size=upload.size,
        sha256=sha256_of(upload),
        uploaded_by=user,
    )


# --------------------------------------------------------------------------- the Ministry's appraisal

APPRAISAL_FIELDS = {
    RoundKind.APPRAISAL_1: ("appraised_1", "council_remark"),
    RoundKind.APPRAISAL_2: ("appraised_score", "council_remark_2"),
}


@dataclass(frozen=True)
class AppraisalRow:
    """One row of the Ministry's appraisal: a sub-criterion's code, its appraised score, the council's remark."""

    code: str
    score: Decimal
    remark: str = ""
    line: int = 0  # the row of the workbook (or the item of an API list), for messages


@dataclass
class AppraisalChange:
    code: str
    name: str
    max_points: Decimal
    before: Decimal | None
    after: Decimal
    remark_before: str
    remark_after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after or self.remark_before != self.remark_after


def _appraisal_round(cycle: Cycle, kind: str) -> Round | None:
    """The round, refused when it is not open, past its deadline or closed (cycles without rounds: none)."""
    if kind not in APPRAISAL_FIELDS:
        raise ValidationError(_("Only the appraisal rounds 1 and 2 are imported."))
    round_ = Round.objects.filter(cycle=cycle, kind=kind).first()
    if round_ is None:
        return None
    today, label = cycle.today(), round_.get_kind_display()
    if not round_.has_opened(today):
        raise ValidationError(
            _("The %(round)s round opens on %(date)s.") % {"round": label, "date": f"{round_.opens:%d/%m/%Y}"}
        )
    if round_.is_closed_on(today):
        raise ValidationError(
            _("The %(round)s round was closed on %(date)s: its values can no longer be imported.")
            % {"round": label, "date": f"{round_.closed_on:%d/%m/%Y}"}
        )
    if round_.is_locked_on(today):
        raise ValidationError(
            _("The %(round)s round closed on %(date)s: its entries are locked.")
            % {"round": label, "date": f"{round_.deadline:%d/%m/%Y}"}
        )
    return round_


def plan_appraisal(
    cycle: Cycle, kind: str, rows: list[AppraisalRow], *, framework_kind: str = "par"
) -> list[AppraisalChange]:
    """What importing ``rows`` into the round would change, checked whole (the preview).

    The rules of the Ministry's results for every way they come in (the workbook, the
    browser, the API): every code must name a sub-criterion of the cycle's tree, once;
    every score lies between 0 and its maximum; a survey-based sub-criterion has no
    round-1 appraisal of a self score it does not have (its result comes in round 2).
    Any problem refuses the whole set with one message per row, so an appraisal is
    never half-imported.
    """
    _appraisal_round(cycle, kind)
    score_field, remark_field = APPRAISAL_FIELDS[kind]
    framework = cycle.framework_of(framework_kind)
    leaves = {c.code: c for c in Criterion.objects.filter(framework=framework).leaves()} if framework else {}
    stored = {s.criterion_id: s for s in Score.objects.filter(cycle=cycle, criterion__in=leaves.values())}
    problems, seen, changes = [], set(), []
    for row in rows:
        criterion = leaves.get(row.code)
        where = {"n": row.line, "code": row.code}
        if criterion is None:
            problems.append(_("Row %(n)s: %(code)s is not a sub-criterion of this cycle's index.") % where)
        elif row.code in seen:
            problems.append(_("Row %(n)s: %(code)s appears twice.") % where)
        elif not 0 <= row.score <= criterion.max_points:
            where["max"] = criterion.max_points
            problems.append(_("Row %(n)s: the score of %(code)s must be between 0 and %(max)s.") % where)
        elif kind == RoundKind.APPRAISAL_1 and criterion.method == Method.SURVEY:
            problems.append(
                _("Row %(n)s: %(code)s is assessed by sociological survey; its result is entered in round 2.") % where
            )
        else:
            score = stored.get(criterion.pk)
            changes.append(
                AppraisalChange(
                    row.code,
                    criterion.name,
                    criterion.max_points,
                    getattr(score, score_field) if score else None,
                    row.score,
                    getattr(score, remark_field) if score else "",
                    _text(row.remark),
                )
            )
        seen.add(row.code)
    if not rows:
        problems.append(_("The file holds no appraisal row."))
    if problems:
        raise ValidationError(problems)
    return changes


@transaction.atomic
def record_appraisal(
    cycle: Cycle,
    kind: str,
    rows: list[AppraisalRow],
    *,
    user: User | None,
    reason: str = "",
    framework_kind: str = "par",
) -> int:
    """Write the Ministry's appraisal of a round (entered by SNV): all rows or none; returns the changed rows.

    Each value goes through update_score, so the history records who, when and why, and
    the round's rule is checked on each write as well.
    """
    changes = plan_appraisal(cycle, kind, rows, framework_kind=framework_kind)
    score_field, remark_field = APPRAISAL_FIELDS[kind]
    nodes = {c.code: c for c in Criterion.objects.filter(framework=cycle.framework_of(framework_kind)).leaves()}
    reason = reason or _("Imported: %(round)s") % {"round": RoundKind(kind).label}
    done = 0
    for change in changes:
        if not change.changed:
            continue
        values = {score_field: change.after, remark_field: change.remark_after}
        update_score(cycle, nodes[change.code], user=user, reason=reason, **values)
        done += 1
    return done


# --------------------------------------------------------------------------- crosswalk


def _code(value) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


@transaction.atomic
def import_crosswalk(
    old: Framework, new: Framework, rows: list[tuple[str, str, str]], *, user: User | None
) -> Crosswalk:
    """Replace the crosswalk old → new by ``rows`` of (old code, new code or blank for none, note).

    Every code must name a scored node of its framework; a problem anywhere refuses the whole
    file (one ValidationError listing them), so a crosswalk is never half-replaced. An old
    sub-criterion absent from the file has no mapping: "không so sánh được".
    """
    old_nodes = {c.code: c for c in Criterion.objects.filter(framework=old).leaves()}
    new_nodes = {c.code: c for c in Criterion.objects.filter(framework=new).leaves()}
    problems, wanted = [], {}
    for number, (old_code, new_code, note) in enumerate(rows, start=1):
        old_code, new_code = _code(old_code), _code(new_code)
        if old_code not in old_nodes:
            problems.append(
                _("Row %(n)s: %(code)s is not a sub-criterion of the old framework.") % {"n": number, "code": old_code}
            )
            continue
        if new_code and new_code not in new_nodes:
            problems.append(
                _("Row %(n)s: %(code)s is not a sub-criterion of the new framework.") % {"n": number, "code": new_code}
            )
            continue
        wanted[(old_code, new_code)] = _code(note)[:300]
    dropped_and_mapped = {o for o, n in wanted if not n} & {o for o, n in wanted if n}
    problems += [_("%(code)s is both mapped and dropped.") % {"code": code} for code in sorted(dropped_and_mapped)]
    if problems:
        raise ValidationError(problems)
    crosswalk, _created = Crosswalk.objects.get_or_create(old_framework=old, new_framework=new)
    crosswalk.mappings.all().delete()
    CrosswalkMapping.objects.bulk_create(
        CrosswalkMapping(crosswalk=crosswalk, old=old_nodes[o], new=new_nodes.get(n) if n else None, note=note)
        for (o, n), note in wanted.items()
    )
    crosswalk._history_user = user
    crosswalk._change_reason = _("Imported: %(n)s mappings") % {"n": len(wanted)}
    crosswalk.save()
    return crosswalk


@transaction.atomic
def set_mapping(crosswalk: Crosswalk, old: Criterion, new_codes: list[str], note: str, *, user: User | None) -> None:
    """SNV corrects one old sub-criterion's mapping in the browser: its new codes (none: dropped)."""
    new_nodes = {c.code: c for c in Criterion.objects.filter(framework=crosswalk.new_framework).leaves()}
    codes = [_code(c) for c in new_codes if _code(c)]
    unknown = [c for c in codes if c not in new_nodes]
    if unknown:
        raise ValidationError(_("Not sub-criteria of the new framework: %(codes)s") % {"codes": ", ".join(unknown)})
    crosswalk.mappings.filter(old=old).delete()
    for code in codes or [""]:
        mapping = CrosswalkMapping(crosswalk=crosswalk, old=old, new=new_nodes.get(code), note=_code(note)[:300])
        mapping._history_user = user
        mapping.save()


# --------------------------------------------------------------------------- next cycle


@dataclass
class StartedCycle:
    """What start_cycle() did, for the confirmation message."""

    cycle: Cycle
    frameworks_copied: int
    criteria_copied: int
    scores_carried: int
    #: old criterion id → the new cycle's criterion, for whatever follows the tree (carried tasks)
    mapping: dict[int, Criterion]
    tasks_carried: int = 0


def shift_year(day: dt.date | None, years: int) -> dt.date | None:
    """The same calendar day ``years`` later; 29/02 becomes 28/02 in a common year."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def start_cycle(
    previous: Cycle,
    year: int,
    *,
    name: str = "",
    report_deadline: dt.date | None = None,
    task_completion_target: dt.date | None = None,
    self_assessment_date: dt.date | None = None,
    copy_frameworks: bool = True,
    make_current: bool = True,
    user: User | None = None,
) -> StartedCycle:
    """Start ``year``'s cycle from ``previous``: its tree and its scores as last year's.

    Frameworks are **copied** by default: new Framework rows named with the new
    year, holding a copy of the tree. A tree is edited during a cycle (a
    maximum corrected, a sub-criterion split after a new decision), and with a
    shared tree such an edit would silently rewrite the scores and totals of
    every earlier cycle. A copy keeps earlier cycles readable and unchanged; an
    importer can later replace the copy with the Ministry's new tree. With
    ``copy_frameworks=False`` the new cycle reuses the same Framework rows (as
    the demo's 2020 and 2021 cycles do), for a year whose tree is known to be
    identical and will not be edited.

    Every sub-criterion gets a score row whose previous-year score is last
    cycle's effective score (appraised, else self). Carrying open tasks over is
    remediation's part (``remediation.assignment.start_cycle``), which follows
    the returned ``mapping``. Dates default to the previous cycle's dates shifted by the years between.
    """
    if Cycle.objects.filter(year=year).exists():
        raise ValidationError({"year": _("A cycle for this year already exists.")})
    if year <= previous.year:
        raise ValidationError({"year": _("The new cycle must come after the cycle it starts from.")})
    cycle = _new_cycle(previous, year, name, report_deadline, task_completion_target, self_assessment_date, user)
    if make_current:
        _make_current(cycle, user)
    mapping, frameworks_copied = _frameworks_for(cycle, previous, copy_frameworks)
    scores = _carry_scores(cycle, previous, mapping)
    return StartedCycle(cycle, frameworks_copied, len(mapping) if copy_frameworks else 0, scores, mapping)


def _new_cycle(
    previous: Cycle,
    year: int,
    name: str,
    report_deadline: dt.date | None,
    task_completion_target: dt.date | None,
    self_assessment_date: dt.date | None,
    user: User | None,
) -> Cycle:
    years = year - previous.year
    cycle = Cycle(
        year=year,
        name=name or _("Cycle %(year)s") % {"year": year},
        previous=previous,
        report_deadline=report_deadline or shift_year(previous.report_deadline, years),
        task_completion_target=task_completion_target or shift_year(previous.task_completion_target, years),
        self_assessment_date=self_assessment_date or shift_year(previous.self_assessment_date, years),
        **{f: getattr(previous, f) for f in CARRIED_CYCLE_FIELDS},
    )
    cycle._history_user = user
    cycle._change_reason = _("Started from %(cycle)s") % {"cycle": previous.name}
    cycle.save()
    return cycle


def _make_current(cycle: Cycle, user: User | None) -> None:
    """Move the 'current' flag; saved one by one so each cycle's history shows the change."""
    for other in Cycle.objects.filter(is_current=True).exclude(pk=cycle.pk):
        other.is_current = False
        other._history_user = user
        other._change_reason = _("Cycle %(year)s became current") % {"year": cycle.year}
        other.save(update_fields=["is_current"])
    cycle.is_current = True
    cycle.save(update_fields=["is_current"])


def _frameworks_for(cycle: Cycle, previous: Cycle, copy: bool) -> tuple[dict[int, Criterion], int]:
    """Attach the frameworks to the new cycle; return old criterion id → the new cycle's criterion."""
    mapping: dict[int, Criterion] = {}
    copied = 0
    for framework in previous.frameworks.all():
        if copy:
            old_framework = framework
            framework, nodes = _copy_framework(framework, previous.year, cycle.year)
            _identity_crosswalk(old_framework, framework, nodes)
            copied += 1
        else:
            nodes = {n.id: n for n in framework.criteria.all()}
        cycle.frameworks.add(framework)
        mapping.update(nodes)
    return mapping, copied


def _identity_crosswalk(old: Framework, new: Framework, nodes: dict[int, Criterion]) -> None:
    """A copied tree maps each sub-criterion onto its copy, so "previous year" follows the crosswalk
    rule everywhere (and a tree imported later in place of the copy gets its own crosswalk)."""
    parents = {n.parent_id for n in nodes.values() if n.parent_id}
    crosswalk = Crosswalk.objects.create(old_framework=old, new_framework=new, note=_("Copy of the tree"))
    CrosswalkMapping.objects.bulk_create(
        CrosswalkMapping(crosswalk=crosswalk, old_id=old_id, new=node)
        for old_id, node in nodes.items()
        if node.id not in parents
    )


def _framework_name(framework: Framework, old_year: int, new_year: int) -> str:
    base = framework.name.replace(str(old_year), str(new_year))
    if base == framework.name:
        base = f"{framework.name} ({new_year})"
    name, n = base, 2
    while Framework.objects.filter(name=name).exists():
        name, n = f"{base} [{n}]", n + 1
    return name


def _copy_framework(framework: Framework, old_year: int, new_year: int) -> tuple[Framework, dict[int, Criterion]]:
    """A new framework with a copy of the tree, parents created before their children."""
    copy = Framework.objects.create(
        name=_framework_name(framework, old_year, new_year),
        kind=framework.kind,
        legal_basis=framework.legal_basis,
        description=framework.description,
        total_points=framework.total_points,
    )
    pending = list(framework.criteria.order_by("order", "id"))
    mapping: dict[int, Criterion] = {}
    while pending:
        ready = [n for n in pending if n.parent_id is None or n.parent_id in mapping]
        if not ready:
            raise ValueError("The criteria tree has a cycle or an orphan.")
        fresh = [_copied_node(copy, n, mapping) for n in ready]
        for old, new in zip(ready, Criterion.objects.bulk_create(fresh), strict=True):
            mapping[old.id] = new
        pending = [n for n in pending if n.id not in mapping]
    return copy, mapping


def _copied_node(framework: Framework, node: Criterion, mapping: dict[int, Criterion]) -> Criterion:
    return Criterion(
        framework=framework,
        parent=mapping[node.parent_id] if node.parent_id else None,
        level=node.level,
        code=node.code,
        name=node.name,
        max_points=node.max_points,
        method=node.method,
        order=node.order,
        focal_agency_id=node.focal_agency_id,
    )


def _carry_scores(cycle: Cycle, previous: Cycle, mapping: dict[int, Criterion]) -> int:
    """One score row per scored node of the new tree, last cycle's effective score as previous."""
    old = {s.criterion_id: s for s in Score.objects.filter(cycle=previous, criterion_id__in=mapping)}
    parents = {n.parent_id for n in mapping.values() if n.parent_id}
    rows = []
    for old_id, node in mapping.items():
        if node.id in parents:
            continue
        before = old.get(old_id)
        effective: Decimal | None = before.effective if before else None
        rows.append(
            Score(cycle=cycle, criterion=node, max_points=node.max_points, method=node.method, previous_score=effective)
        )
    bulk_create_with_history(rows, Score, batch_size=500)
    return sum(1 for r in rows if r.previous_score is not None)


# --------------------------------------------------------------------------- a cycle's loop settings

# The settings of closing the loop SNV sets per cycle on the cycle's settings page (issue 14):
# who verifies completions, and the reminder rhythm the e-mails, the bell and the calendar's
# alarms follow.
LOOP_SETTINGS = ("focal_agencies_verify", "reminder_offsets", "overdue_step_days", "escalation_days")


def normalise_offsets(value: str) -> str:
    """ "7, 3,1,0" → "7,3,1,0": whole days, largest first, each once; anything else is refused."""
    parts = [p.strip() for p in unicodedata.normalize("NFC", value or "").split(",") if p.strip()]
    if not parts or not all(p.isascii() and p.isdecimal() and int(p) <= 90 for p in parts):
        raise ValidationError(
            {"reminder_offsets": _("Give whole days from 0 to 90, separated by commas, e.g. 7,3,1,0.")}
        )
    return ",".join(str(d) for d in sorted({int(p) for p in parts}, reverse=True))


@transaction.atomic
def update_loop_settings(cycle: Cycle, *, user: User, reason: str = "", **values) -> list[str]:
    """SNV sets a cycle's loop settings; each change is a history record with who and why.

    Returns the names of the settings that changed (none: nothing is saved). A later cycle
    started from this one carries them (CARRIED_CYCLE_FIELDS).
    """
    if not user.is_snv:
        raise ValidationError(_("Only SNV sets a cycle's settings."))
    unknown = set(values) - set(LOOP_SETTINGS)
    if unknown:
        raise ValueError(f"Not loop settings: {sorted(unknown)}")
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if "reminder_offsets" in values:
        values["reminder_offsets"] = normalise_offsets(values["reminder_offsets"])
    for name in ("overdue_step_days", "escalation_days"):
        if name in values and not (1 <= int(values[name]) <= 90):
            raise ValidationError({name: _("Give a number of days from 1 to 90.")})
    changed = [name for name, value in values.items() if getattr(cycle, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(cycle, name, values[name])
    cycle._history_user = user
    cycle._change_reason = _text(reason) or _("Cycle settings changed")
    cycle.save(update_fields=changed)
    return changed


# --------------------------------------------------------------------------- replacing a copied tree


def tree_replacement_refusal(cycle: Cycle, framework: Framework) -> str | None:
    """Why ``cycle``'s tree ``framework`` may no longer be replaced by another one, or None while it may.

    The first cycle under a new methodology takes the Ministry's new tree in place of
    the copy "start next cycle" made, but only until the self-assessment round has
    entries: a score, an estimate or an appraisal recorded on the tree, or an area
    submitted. After that the entries would lose their sub-criteria.
    """
    recorded = (
        Score.objects.filter(cycle=cycle, criterion__framework=framework)
        .filter(
            Q(self_score__isnull=False)
            | Q(estimate__isnull=False)
            | Q(appraised_1__isnull=False)
            | Q(appraised_score__isnull=False)
        )
        .exists()
    )
    submitted = RoundSubmission.objects.filter(round__cycle=cycle, round__kind=RoundKind.SELF_ASSESSMENT).exists()
    if recorded or submitted:
        return _(
            "Cycle %(year)s already has entries of its self-assessment round on the tree “%(name)s”, so the tree "
            "can no longer be replaced; import under that framework's name to update it."
        ) % {"year": cycle.year, "name": framework.name}
    return None


def copy_source(framework: Framework) -> Framework | None:
    """The framework a tree was copied from by "start next cycle" (its identity crosswalk), if any."""
    crosswalk = Crosswalk.objects.filter(new_framework=framework).select_related("old_framework").order_by("id").first()
    return crosswalk.old_framework if crosswalk else None
