"""Remediation tasks, their progress and evidence, and the agencies' reports."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agencies import clock
from agencies.files import private_storage  # noqa: F401  (re-exported: migration 0001 refers to it here)
from agencies.models import Agency
from parindex.models import Criterion, Cycle

from .status import DUE_SOON_DAYS, TaskStatus, task_status


def number_tasks(tasks: list[Task], using: str = "default") -> None:
    """Give each unnumbered task the next number of its cycle, in list order.

    The cycles' rows are locked first, so two imports into one cycle number one
    after the other and never take the same number (the unique constraint would
    refuse it anyway). The caller holds the transaction.
    """
    pending = [t for t in tasks if t.number is None]
    if not pending:
        return
    cycle_ids = sorted({t.cycle_id for t in pending})
    list(Cycle.objects.using(using).select_for_update().filter(pk__in=cycle_ids).values_list("pk", flat=True))
    top = dict(
        Task.objects.using(using)
        .filter(cycle_id__in=cycle_ids)
        .values_list("cycle_id")
        .annotate(top=models.Max("number"))
        .order_by()
    )
    for task in pending:
        top[task.cycle_id] = (top.get(task.cycle_id) or 0) + 1
        task.number = top[task.cycle_id]


def summarize_statuses(per_status: dict[str, int], claimed: int = 0) -> dict[str, int]:
    """Every status (0 where absent), plus ``total``, ``done`` and ``open``: the one shape of status counts.

    ``claimed`` are the done ones not verified by the as-of date ("chờ xác nhận"); ``verified``
    is the headline "done": only a verified completion counts as done there.
    """
    counts = {s.value: int(per_status.get(s.value, 0)) for s in TaskStatus}
    counts["total"] = sum(counts.values())
    counts["done"] = counts[TaskStatus.DONE_ON_TIME] + counts[TaskStatus.DONE_LATE]
    counts["open"] = counts["total"] - counts["done"]
    counts["claimed"] = int(claimed)
    counts["verified"] = counts["done"] - counts["claimed"]
    return counts


def claimed_q(as_of: dt.date) -> Q:
    """Marked done by ``as_of`` and not verified by then: a claim awaiting verification."""
    return Q(completed_on__isnull=False, completed_on__lte=as_of) & (
        Q(verified_on__isnull=True) | Q(verified_on__gt=as_of)
    )


class _TaskSQL(models.Expression):
    """An expression over the task table's own columns whose SQL text is written once per database.

    Building the same CASE of correlated subqueries through the ORM for every query cost 2.8 ms of
    CPU per use, about a fifth of a task list's request (issue 18). The text holds ``{t}`` where the
    task table's alias goes (relabelled when the query is a subquery), put in at compile time.
    """

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = self.copy()
        resolved.is_summary = summarize
        return resolved

    def get_group_by_cols(self):
        return [self]

    def sql_for(self, compiler, connection, text: str, params: list) -> tuple[str, list]:
        task = compiler.quote_name_unless_alias(next(iter(compiler.query.alias_map)))
        return text.replace("{t}", task), params


class DeadlineInForce(_TaskSQL):
    """The deadline in force on a day (Task.deadline_on() in SQL): the earliest approved extension
    decided after that day still held the deadline it replaced, so an extension never rewrites an
    earlier as-of; a task whose deadline never moved has its deadline."""

    def __init__(self, on: dt.date) -> None:
        super().__init__(output_field=models.DateField())
        self.on = on

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.on!r})"

    def as_sql(self, compiler, connection):
        text = _sql(connection, "in_force", lambda: _in_force_sql(connection, "%s"))
        return self.sql_for(compiler, connection, text, [connection.ops.adapt_datefield_value(self.on)])


def deadline_in_force(on: dt.date) -> models.Expression:
    """The deadline in force on ``on``, in SQL (``DeadlineInForce``)."""
    return DeadlineInForce(on)


class StatusOn(_TaskSQL):
    """A task's derived status on a date, in SQL: the rule of status.task_status() on Task.status_on().

    In order: done on time (completed by the as-of date, on or before the deadline in force on the
    completion date), done late, ongoing (no deadline), overdue, due soon (within DUE_SOON_DAYS), in
    progress (progress above 0), not yet due; the open statuses compare with the deadline in force
    on the as-of date. tests/remediation/test_status.py checks it against the Python rule, with
    extensions decided on the boundary days.
    """

    def __init__(self, as_of: dt.date) -> None:
        super().__init__(output_field=models.CharField())
        self.as_of = as_of

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.as_of!r})"

    def as_sql(self, compiler, connection):
        day = connection.ops.adapt_datefield_value(self.as_of)
        soon = connection.ops.adapt_datefield_value(self.as_of + dt.timedelta(days=DUE_SOON_DAYS))
        # The parameters in the order of their %s: the day of the done-on-time and done-late tests,
        # the day inside the deadline in force and the day compared with it (ongoing, overdue; the
        # deadline in force again, then the due-soon limit).
        params = [day, day, day, day, day, day, soon]
        return self.sql_for(compiler, connection, _sql(connection, "status", lambda: _status_sql(connection)), params)


_SQL: dict[tuple[str, str], str] = {}


def _sql(connection, name: str, build) -> str:
    key = (connection.vendor, name)
    if key not in _SQL:
        _SQL[key] = build()
    return _SQL[key]


def _task_col(connection, name: str) -> str:
    return "{t}." + connection.ops.quote_name(Task._meta.get_field(name).column)


def _in_force_sql(connection, decided_after: str) -> str:
    """The deadline in force on the day ``decided_after`` (an SQL placeholder or a column)."""
    q, ext = connection.ops.quote_name, DeadlineExtension._meta

    def ext_col(name: str) -> str:
        return "_sx." + q(ext.get_field(name).column)

    def col(name: str) -> str:
        return _task_col(connection, name)

    later = (
        f"SELECT {ext_col('previous_deadline')} FROM {q(ext.db_table)} _sx"
        f" WHERE {ext_col('decided_on')} > {decided_after} AND {ext_col('state')} = '{ExtensionState.APPROVED}'"
        f" AND {ext_col('task')} = {col('id')}"
        f" ORDER BY {ext_col('decided_on')} ASC, {ext_col('id')} ASC LIMIT 1"
    )
    deadline = col("deadline")
    return f"CASE WHEN {col('original_deadline')} IS NULL THEN {deadline} ELSE COALESCE(({later}), {deadline}) END"


def _status_sql(connection) -> str:
    done = _task_col(connection, "completed_on")
    on_day, on_done = _in_force_sql(connection, "%s"), _in_force_sql(connection, done)
    sql = (
        f"CASE WHEN ({done} IS NOT NULL AND {done} <= %s AND (({on_done}) IS NULL OR {done} <= ({on_done})))"
        f" THEN '{TaskStatus.DONE_ON_TIME}'"
        f" WHEN ({done} IS NOT NULL AND {done} <= %s) THEN '{TaskStatus.DONE_LATE}'"
        f" WHEN ({on_day}) IS NULL THEN '{TaskStatus.ONGOING}'"
        f" WHEN ({on_day}) < %s THEN '{TaskStatus.OVERDUE}'"
        f" WHEN ({on_day}) <= %s THEN '{TaskStatus.DUE_SOON}'"
        f" WHEN {_task_col(connection, 'progress')} > 0 THEN '{TaskStatus.IN_PROGRESS}'"
        f" ELSE '{TaskStatus.NOT_YET_DUE}' END"
    )
    assert sql.count("%s") == 7
    return sql


def by_deadline(descending: bool = False) -> models.OrderBy:
    """Order by deadline with the standing tasks ("Thường xuyên", no deadline) last, on every database."""
    field = models.F("deadline")
    return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)


def valid_on(day: dt.date, prefix: str = "") -> Q:
    """An assignment (or any row with valid_from/valid_to, both ends included, blank = open) valid on ``day``."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


class TaskQuerySet(models.QuerySet):
    def for_agency(self, agency: Agency, as_of: dt.date | None = None) -> TaskQuerySet:
        """Tasks the agency leads or coordinates on ``as_of`` (today when not given).

        Read from the assignments valid on that day, so a task moved to a
        successor leaves the retired agency's list from the effective date. The
        assignments are a subquery, not a join, so no row is doubled, counts
        need no DISTINCT and the query count stays one whatever the links.
        """
        day = as_of or clock.today()
        assigned = TaskAssignment.objects.filter(valid_on(day), agency=agency).values("task_id")
        return self.filter(pk__in=assigned)

    def led_by(self, agency: Agency, as_of: dt.date) -> TaskQuerySet:
        """Tasks whose lead assignment on ``as_of`` is the agency."""
        led = TaskAssignment.objects.filter(valid_on(as_of), agency=agency, role=AssignmentRole.LEAD).values("task_id")
        return self.filter(pk__in=led)

    def with_lead_on(self, as_of: dt.date) -> TaskQuerySet:
        """Annotate the lead on ``as_of``: ``lead_on`` (id), ``lead_name_on``, ``lead_label_on`` (short name or name).

        Correlated subqueries on the (task, role, valid_to) index: one query
        whatever the number of tasks, and a move effective later never shows.
        """
        rows = leads_on(as_of)
        label = Coalesce(NullIf(models.F("agency__short_name"), Value("")), models.F("agency__name"))
        return self.annotate(
            lead_on=models.Subquery(rows.values("agency_id")[:1]),
            lead_name_on=models.Subquery(rows.values("agency__name")[:1]),
            lead_label_on=models.Subquery(rows.annotate(label=label).values("label")[:1]),
        )

    def done(self, as_of: dt.date) -> TaskQuerySet:
        """Completed on or before ``as_of``: a later completion was still open on that date."""
        return self.filter(completed_on__isnull=False, completed_on__lte=as_of)

    def not_closed(self) -> TaskQuerySet:
        return self.filter(closed_at__isnull=True)

    def open(self, as_of: dt.date) -> TaskQuerySet:
        """Not closed, and not completed by ``as_of`` (the complement of done() among open tasks)."""
        return self.not_closed().filter(Q(completed_on__isnull=True) | Q(completed_on__gt=as_of))

    def overdue(self, as_of: dt.date) -> TaskQuerySet:
        """Open and past the deadline in force on ``as_of`` (the approved one)."""
        return self.open(as_of).alias(_dl=deadline_in_force(as_of)).filter(_dl__lt=as_of)

    def ongoing(self, as_of: dt.date) -> TaskQuerySet:
        """Open standing tasks ("Thường xuyên"): no deadline, so never due nor overdue."""
        return self.open(as_of).filter(deadline__isnull=True)

    def due_within(self, days: int, as_of: dt.date) -> TaskQuerySet:
        return (
            self.open(as_of)
            .alias(_dl=deadline_in_force(as_of))
            .filter(_dl__gte=as_of, _dl__lte=as_of + dt.timedelta(days=days))
        )

    def claimed(self, as_of: dt.date) -> TaskQuerySet:
        """Completions awaiting verification on ``as_of``."""
        return self.not_closed().filter(claimed_q(as_of))

    def with_status(self, as_of: dt.date) -> TaskQuerySet:
        """Annotate ``status`` in SQL, the same rule as status.task_status() on Task.status_on().

        Done on time compares with the deadline in force on the completion date; the open
        statuses with the deadline in force on ``as_of`` (``StatusOn``).
        """
        return self.annotate(status=StatusOn(as_of))

    def status_counts(self, as_of: dt.date) -> dict[str, int]:
        """Tasks per derived status as of a date, closed ones left out, with ``total``, ``done`` and ``open``.

        One GROUP BY on the status expression: the expression is compiled once,
        not once per filtered COUNT.
        """
        rows = (
            self.not_closed()
            .with_status(as_of)
            .order_by()
            .values_list("status")
            .annotate(n=models.Count("id"), c=models.Count("id", filter=claimed_q(as_of)))
        )
        per_status, claimed = {}, 0
        for status, n, c in rows:
            per_status[status] = n
            claimed += c
        return summarize_statuses(per_status, claimed)

    def bulk_create(self, objs, *args, **kwargs):
        """Number the tasks that have no number yet (per cycle, in the given order), then insert."""
        objs = list(objs)
        with transaction.atomic(using=self.db):
            number_tasks(objs, using=self.db)
            created = super().bulk_create(objs, *args, **kwargs)
            # Each new task's lead from its start (no post_save is sent here); the
            # coordinating links a caller bulk-writes next are synced by it (periods.sync_assignments).
            TaskAssignment.objects.using(self.db).bulk_create(
                [TaskAssignment(task_id=t.pk, agency_id=t.lead_agency_id, role=AssignmentRole.LEAD) for t in created],
                batch_size=1000,
            )
            return created

    def with_relations(self) -> TaskQuerySet:
        return self.select_related("lead_agency", "cycle").prefetch_related("sub_criteria", "coordinating_agencies")


class Task(models.Model):
    """A remediation task drawn from a report's shortcomings and recommendations."""

    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="tasks", verbose_name=_("cycle"))
    number = models.PositiveIntegerField(
        _("number"), editable=False, help_text=_("The task's stable number within its cycle, in creation order.")
    )
    title = models.CharField(_("title"), max_length=300)
    # "Hạn chế, tồn tại" of a Report 117 annex: the shortcoming the task remedies, its own column there.
    shortcoming = models.TextField(
        _("shortcoming"), blank=True, help_text=_("The shortcoming found in the report that this task remedies.")
    )
    description = models.TextField(_("description"), blank=True)
    source_document = models.CharField(_("source document"), max_length=200, default="Báo cáo 117/BC-SNV")
    sub_criteria = models.ManyToManyField(Criterion, blank=True, related_name="tasks", verbose_name=_("sub-criteria"))
    lead_agency = models.ForeignKey(Agency, models.PROTECT, related_name="led_tasks", verbose_name=_("lead agency"))
    coordinating_agencies = models.ManyToManyField(
        Agency, blank=True, related_name="coordinated_tasks", verbose_name=_("coordinating agencies")
    )
    # Blank for a standing task ("Thường xuyên"): it has no date to meet (status ONGOING).
    deadline = models.DateField(_("deadline"), db_index=True, null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    completed_on = models.DateField(_("completion date"), null=True, blank=True)
    cannot_finish = models.BooleanField(_("cannot be finished"), default=False)
    cause = models.TextField(_("cause"), blank=True, help_text=_("Why the task is not done or cannot be finished."))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.TextField(_("reason for closing or reopening"), blank=True)
    carried_from = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="carried_to", verbose_name=_("carried over from")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, help_text=_("Optimistic lock."))
    # Closing the loop (issue 14): a completion is a claim until someone other than the doer
    # verifies it; the first deadline stays in view when extensions or SNV's edits move it.
    original_deadline = models.DateField(
        _("original deadline"), null=True, blank=True, help_text=_("The deadline first assigned, kept when it moves.")
    )
    closure_criteria = models.TextField(_("what proves this is done"), blank=True)
    verified_on = models.DateField(_("completion verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verification_note = models.TextField(_("verifier's comment"), blank=True)
    sent_back_at = models.DateTimeField(_("completion sent back at"), null=True, blank=True)
    is_priority = models.BooleanField(_("priority (SNV)"), default=False)
    history = HistoricalRecords(m2m_fields=[sub_criteria, coordinating_agencies])

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = [by_deadline(), "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="task_progress_0_100"),
            models.UniqueConstraint(fields=["cycle", "number"], name="task_number_unique_per_cycle"),
        ]
        indexes = [
            models.Index(fields=["cycle", "lead_agency", "deadline"]),
            models.Index(fields=["cycle", "completed_on"]),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.number is None:
            with transaction.atomic(using=kwargs.get("using") or self._state.db or "default"):
                number_tasks([self], using=kwargs.get("using") or self._state.db or "default")
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)

    def status_on(self, as_of: dt.date) -> TaskStatus:
        """The derived status (named apart from the ``status`` annotation of with_status())."""
        if self.completed_on is not None and self.completed_on <= as_of:
            # Done on time is judged against the deadline in force on the completion date.
            return task_status(self.deadline_on(self.completed_on), self.completed_on, as_of, self.progress)
        return task_status(self.deadline_on(as_of), self.completed_on, as_of, self.progress)

    def days_left(self, as_of: dt.date) -> int | None:
        """Days until the deadline in force on ``as_of``; negative when overdue; None when ongoing."""
        deadline = self.deadline_on(as_of)
        return None if deadline is None else (deadline - as_of).days

    @property
    def is_ongoing(self) -> bool:
        """A standing task ("Thường xuyên"): no deadline, reported on at the cycle's report deadline."""
        return self.deadline is None

    def deadline_on(self, day: dt.date) -> dt.date | None:
        """The deadline in force on ``day``: an extension decided later had not moved it yet.

        A task whose deadline never moved (no original kept) needs no query.
        """
        if self.original_deadline is None or self.pk is None:
            return self.deadline
        later = (
            self.extensions.filter(state=ExtensionState.APPROVED, decided_on__gt=day)
            .order_by("decided_on", "id")
            .values_list("previous_deadline", flat=True)
            .first()
        )
        return later or self.deadline

    def is_claimed(self, as_of: dt.date) -> bool:
        """Marked done by the agency by ``as_of`` but not (yet, on that date) verified: "chờ xác nhận"."""
        return (
            self.completed_on is not None
            and self.completed_on <= as_of
            and (self.verified_on is None or self.verified_on > as_of)
        )

    @property
    def original_deadline_shown(self) -> dt.date | None:
        return self.original_deadline or self.deadline

    @property
    def backlog_since(self) -> int | None:
        """The year of the earliest cycle this task was carried from ("tồn đọng từ năm …")."""
        year, node, seen = None, self, 0
        while node.carried_from_id and seen < 20:
            node, seen = node.carried_from, seen + 1
            year = node.cycle.year
        return year


def leads_on(day: dt.date):
    """The outer task's lead assignment on ``day``, for correlated subqueries.

    Ordered on the assignment's own columns: the model's default ordering starts with
    ``task``, which would join the task table again inside every subquery and sort by the
    task's deadline (measured at national scale: 1.5 s of the dashboard's 1.6 s).
    """
    return TaskAssignment.objects.filter(valid_on(day), task=models.OuterRef("pk"), role=AssignmentRole.LEAD).order_by(
        "valid_from", "pk"
    )


def lead_on(day: dt.date) -> models.Subquery:
    """The lead agency id of the outer task on ``day``, for annotations (one index lookup per task)."""
    return models.Subquery(leads_on(day).values("agency_id")[:1])


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead (chủ trì)")
    COORDINATOR = "coordinator", _("Coordinating (phối hợp)")


class TaskAssignment(models.Model):
    """Who leads or coordinates a task, and when: a figure as of D reads the row valid on D.

    ``Task.lead_agency`` and ``Task.coordinating_agencies`` are the cache of the
    assignments valid now (forms and lists read them); every change to them
    ends one row and starts another (remediation.signals), a restructuring does
    so on its effective date. Rows are never overwritten: ``valid_to`` of the
    old row is the day before the new one starts. Blank ``valid_from`` means
    "from the task's start".
    """

    task = models.ForeignKey(Task, models.CASCADE, related_name="assignments", verbose_name=_("task"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="task_assignments", verbose_name=_("agency"))
    role = models.CharField(_("role"), max_length=12, choices=AssignmentRole.choices)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("task assignment")
        verbose_name_plural = _("task assignments")
        ordering = ["task", "role", "valid_from"]
        indexes = [
            models.Index(fields=["agency", "valid_to"]),
            models.Index(fields=["task", "role", "valid_to"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="assignment_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.role} {self.agency_id}"


class ProgressUpdate(models.Model):
    task = models.ForeignKey(Task, models.PROTECT, related_name="updates", verbose_name=_("task"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="progress_updates", verbose_name=_("author")
    )
    agency = models.ForeignKey(
        Agency, models.PROTECT, null=True, blank=True, related_name="progress_updates", verbose_name=_("agency")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)
    reported_on = models.DateField(_("date"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.TextField(_("what was done"))

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="update_percent_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.percent}%"


def evidence_path(instance: Evidence, filename: str) -> str:
    """A generated name: never the uploader's, which may hold paths or scripts."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.task.cycle.year}/{uuid.uuid4().hex}.{ext}"


class Evidence(models.Model):
    task = models.ForeignKey(Task, models.PROTECT, related_name="evidence", verbose_name=_("task"))
    progress_update = models.ForeignKey(
        ProgressUpdate,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("progress update"),
    )
    file = models.FileField(_("file"), upload_to=evidence_path, storage=private_storage, max_length=200)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class DeadlineExtension(models.Model):
    """The lead agency asks for a later deadline; SNV approves (possibly a shorter one) or refuses.

    ``previous_deadline`` is the deadline the approval replaced: what an as-of date before
    the decision still shows (Task.deadline_on, deadline_in_force).
    """

    task = models.ForeignKey(Task, models.PROTECT, related_name="extensions", verbose_name=_("task"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"))
    proposed_deadline = models.DateField(_("proposed deadline"))
    state = models.CharField(_("state"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    previous_deadline = models.DateField(_("deadline before the decision"), null=True, blank=True)
    approved_deadline = models.DateField(_("approved deadline"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True, db_index=True)
    comment = models.TextField(_("SNV's comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per task: a second waits until the first is decided.
            models.UniqueConstraint(fields=["task"], condition=Q(state="pending"), name="extension_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.proposed_deadline:%d/%m/%Y} ({self.state})"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")


class AgencyReport(models.Model):
    """An agency's report of results to the Chairman, through SNV."""

    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="reports", verbose_name=_("cycle"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="reports", verbose_name=_("agency"))
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    narrative = models.TextField(_("narrative"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    reviewer_comment = models.TextField(_("reviewer's comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    snapshot = models.JSONField(
        _("snapshot of the tasks when submitted"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    # A report still open when its agency was retired is closed from that day
    # with a record of where the work went (restructuring); its status stays as
    # it was, so every figure as of an earlier day reads it unchanged.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_note = models.CharField(_("why it was closed"), max_length=400, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency report")
        verbose_name_plural = _("agency reports")
        constraints = [models.UniqueConstraint(fields=["cycle", "agency"], name="report_unique_per_cycle")]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        return f"{self.agency} – {self.cycle}"

    def closed_by(self, day: dt.date) -> bool:
        """Closed by a restructuring on or before ``day``."""
        return self.closed_on is not None and self.closed_on <= day


class Notification(models.Model):
    """An in-app notice; the navigation bar shows the unread count."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # State-change notices go out in the daily e-mail digest too: claimed by a conditional
    # update on this token before the send, so a re-run sends nothing twice.
    email_token = models.UUIDField(_("e-mail run"), null=True, blank=True, editable=False)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # When the last claim was made (the real clock): a claim unsent after the stale window, its
    # mail lost or failed, is taken over by beat's retry (remediation.reminders.events).
    email_claimed_at = models.DateTimeField(_("e-mail claimed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class ReminderKind(models.TextChoices):
    TASK_DUE = "task_due", _("Task deadline approaching")
    TASK_OVERDUE = "task_overdue", _("Task overdue")
    REPORT_DUE = "report_due", _("Report deadline approaching")
    REPORT_OVERDUE = "report_overdue", _("Report overdue")
    COMPILATION_DUE = "compilation_due", _("Compilation deadline")
    ROUND_DUE = "round_due", _("Scoring round deadline")


class ReminderState(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    CANCELLED = "cancelled", _("Cancelled")


class Reminder(models.Model):
    """One reminder, claimed in the database before it is sent.

    The unique constraint (recipient, kind, item, due date) is what makes a
    second sweep on the same day send nothing, and a caught-up missed day send
    each step once.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="reminders", verbose_name=_("recipient")
    )
    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="reminders", verbose_name=_("cycle"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    item_key = models.CharField(_("item"), max_length=80)
    task = models.ForeignKey(
        Task, models.CASCADE, null=True, blank=True, related_name="reminders", verbose_name=_("task")
    )
    agency = models.ForeignKey(
        Agency, models.CASCADE, null=True, blank=True, related_name="reminders", verbose_name=_("agency")
    )
    due_date = models.DateField(_("step date"))
    deadline = models.DateField(_("deadline"))
    escalated = models.BooleanField(_("escalated"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=ReminderState.choices, default=ReminderState.CLAIMED)
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The sweep that owns the claim now. bulk_create(ignore_conflicts=True)
    # returns no primary keys, so a run finds the rows it inserted (and the
    # failed ones it took over with a conditional update) by this token; a
    # send task only touches rows that still carry its token.
    run_token = models.UUIDField(_("run"), null=True, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-claimed_at", "-id"]
        constraints = [
            # A cancelled reminder frees its step: when a deadline moves back,
            # or a reopened task falls due again, the step is claimed afresh.
            models.UniqueConstraint(
                fields=["recipient", "kind", "item_key", "due_date"],
                condition=~Q(state="cancelled"),
                name="reminder_once_per_step",
            ),
        ]
        indexes = [models.Index(fields=["state", "recipient"]), models.Index(fields=["task", "state"])]

    def __str__(self) -> str:
        return f"{self.recipient} {self.kind} {self.item_key} {self.due_date:%d/%m/%Y}"


class RestructuringState(models.TextChoices):
    PENDING = "pending", _("Waiting for its date")
    APPLIED = "applied", _("Applied")


class ScheduledRestructuring(models.Model):
    """A merge, split or transfer SNV confirmed for a date after today, applied when that day comes.

    The plan is kept as SNV confirmed it (its successors in order: the first is
    the main one; its choices per task; the memberships confirmed per user), and
    ``remediation.restructuring.apply_due`` applies it on its day: it claims the
    row (pending → applied, a conditional update) and applies the plan in the
    same transaction, so a second run, or a second worker, applies nothing twice.
    """

    kind = models.CharField(_("kind"), max_length=10)
    source_ids = models.JSONField(_("agencies that change"))
    successor_ids = models.JSONField(_("successors"))
    effective_on = models.DateField(_("effective on"))
    choices = models.JSONField(_("successors chosen per task"), default=dict, blank=True)
    task_ids = models.JSONField(_("tasks moved by a transfer"), null=True, blank=True)
    memberships = models.JSONField(_("memberships confirmed"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=RestructuringState.choices, default=RestructuringState.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scheduled restructuring")
        verbose_name_plural = _("scheduled restructurings")
        ordering = ["effective_on", "id"]
        indexes = [models.Index(fields=["state", "effective_on"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.effective_on:%d/%m/%Y} ({self.state})"
