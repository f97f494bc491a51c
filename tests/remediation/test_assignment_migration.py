"""Migrating a database of the previous version: one open-ended assignment per link, periods from deactivation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("agencies", "0001_initial"), ("parindex", "0002_move_issuedreport_to_compilation"),
          ("remediation", "0004_fix_report_reminder_links")]  # fmt: skip
AFTER = [("agencies", "0002_agency_periods_names_links_province"), ("parindex", "0010_cycle_reporting_kinds"),
         ("remediation", "0006_task_assignments")]  # fmt: skip


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_tasks_get_one_open_ended_assignment_per_lead_and_coordinator():
    old = _migrate(BEFORE)
    Agency, Cycle, Task = (old.get_model(*m) for m in (("agencies", "Agency"), ("parindex", "Cycle"),
                                                        ("remediation", "Task")))  # fmt: skip
    lead = Agency.objects.create(code="m-lead", name="Sở A", kind="department", calendar_token="m1")
    partner = Agency.objects.create(
        code="m-part", name="Sở B", kind="department", calendar_token="m2", is_active=False,
        deactivated_on=dt.date(2021, 12, 1),
    )  # fmt: skip
    cycle = Cycle.objects.create(year=2021, name="K", report_deadline=dt.date(2021, 11, 15),
                                 task_completion_target=dt.date(2021, 12, 31))  # fmt: skip
    task = Task.objects.create(cycle=cycle, number=1, title="T", lead_agency=lead, deadline=dt.date(2021, 12, 1))
    task.coordinating_agencies.add(partner)
    try:
        new = _migrate(AFTER)
        rows = new.get_model("remediation", "TaskAssignment").objects.filter(task_id=task.pk)
        got = sorted(rows.values_list("agency_id", "role", "valid_from", "valid_to"))
        assert got == sorted([(lead.pk, "lead", None, None), (partner.pk, "coordinator", None, None)])
        migrated = new.get_model("agencies", "Agency").objects.get(pk=partner.pk)
        assert migrated.valid_to == dt.date(2021, 11, 30)
        assert new.get_model("parindex", "Cycle").objects.get(pk=cycle.pk).reporting_kinds == [
            "central", "department", "district"
        ]  # fmt: skip
    finally:
        _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
