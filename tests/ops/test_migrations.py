"""`migrate` on a database of the previous version keeps every row.

The previous version had IssuedReport in parindex, no task numbers and report reminders
linked to "/reports/". The database is migrated back to that state, rows are written with
the historical models, then it is migrated forward: the issued report is read through
compilation's model byte for byte, the tasks are numbered per cycle in creation order
(their history too), and the stale link is rewritten.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

PREVIOUS = [("agencies", "0001_initial"), ("parindex", "0001_initial"), ("remediation", "0002_reminder_run_token")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _previous_version_rows(apps) -> dict:
    User = apps.get_model("agencies", "User")
    Agency = apps.get_model("agencies", "Agency")
    Cycle = apps.get_model("parindex", "Cycle")
    Task = apps.get_model("remediation", "Task")
    HistoricalTask = apps.get_model("remediation", "HistoricalTask")
    IssuedReport = apps.get_model("parindex", "IssuedReport")
    Notification = apps.get_model("remediation", "Notification")
    user = User.objects.create(username="snv-old")
    agency = Agency.objects.create(code="stp-old", name="Sở Tư pháp", kind="department", calendar_token="t-old")
    cycles = [
        Cycle.objects.create(
            year=year,
            name=f"Kỳ {year}",
            report_deadline=dt.date(year, 11, 15),
            task_completion_target=dt.date(year, 12, 31),
        )
        for year in (2020, 2021)
    ]
    tasks = []
    for i in range(5):
        cycle = cycles[i % 2]
        task = Task.objects.create(
            cycle=cycle, title=f"Nhiệm vụ {i}", lead_agency=agency, deadline=dt.date(cycle.year, 12, 1)
        )
        HistoricalTask.objects.create(
            id=task.id,
            cycle_id=cycle.id,
            title=task.title,
            lead_agency_id=agency.id,
            deadline=task.deadline,
            progress=0,
            cannot_finish=False,
            version=1,
            created_at=task.created_at,
            updated_at=task.updated_at,
            source_document="Báo cáo 117/BC-SNV",
            history_date=task.created_at,
            history_type="+",
        )
        tasks.append((task.id, cycle.id))
    issued = IssuedReport.objects.create(
        cycle=cycles[1], requested_by=user, as_of=dt.date(2021, 11, 15), status="done", sha256="ab" * 32, size=10
    )
    Notification.objects.create(recipient=user, kind="report_due", title="Báo cáo", url="/reports/")
    return {"tasks": tasks, "issued": issued.pk, "user": user.pk}


def test_migrating_a_previous_version_database_keeps_every_row():
    old_apps = _migrate(PREVIOUS)
    before = _previous_version_rows(old_apps)
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from compilation.models import IssuedReport
    from remediation.models import HistoricalTask, Notification, Task

    issued = IssuedReport.objects.get(pk=before["issued"])
    assert (issued.sha256, issued.size, issued.status, issued.requested_by_id) == (
        "ab" * 32,
        10,
        "done",
        before["user"],
    )
    numbers = dict(Task.objects.values_list("id", "number"))
    expected, counters = {}, {}
    for task_id, cycle_id in sorted(before["tasks"]):
        counters[cycle_id] = counters.get(cycle_id, 0) + 1
        expected[task_id] = counters[cycle_id]
    assert numbers == expected
    assert dict(HistoricalTask.objects.values_list("id", "number")) == expected
    assert Notification.objects.get().url == "/reports/mine/"
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "compilation_issuedreport" in tables and "parindex_issuedreport" not in tables


def test_new_tasks_continue_the_numbering_of_their_cycle():
    from tests.factories import CycleFactory, TaskFactory

    cycle, other = CycleFactory(year=2021), CycleFactory(year=2022)
    first = [TaskFactory(cycle=cycle) for _ in range(3)]
    elsewhere = TaskFactory(cycle=other)
    assert [t.number for t in first] == [1, 2, 3] and elsewhere.number == 1
