"""The database refuses a write in the middle of an import: nothing is half-written.

A real PostgreSQL trigger refuses the task–sub-criterion links, which the import writes after
the tasks themselves; the whole file must roll back and the user gets a clear problem.
"""

import pytest
from django.db import connection
from django.utils import translation

from compilation.excel.importing import run_import
from remediation.models import Task
from tests.data.workbooks import simple_framework, simple_tasks
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusing_links():
    if connection.vendor != "postgresql":
        pytest.fail("this fault test needs PostgreSQL (run it with `make test`)")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_link() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'disk full (simulated)'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_link BEFORE INSERT ON remediation_task_sub_criteria "
            "FOR EACH ROW EXECUTE FUNCTION refuse_link()"
        )
    yield  # the test's transaction rolls the trigger back with everything else


@pytest.mark.topology
def test_a_refused_write_mid_import_leaves_nothing_written(cycle, refusing_links):
    AgencyFactory(code="stp", name="Sở Tư pháp")
    assert run_import(simple_framework(), "framework", cycle).applied
    rows = [[f"Nhiệm vụ {i}", "", "1.1.1", "stp", "", "31/12/2021", "Báo cáo 117/BC-SNV"] for i in range(30)]
    with translation.override("vi"):
        result = run_import(simple_tasks(rows), "tasks", cycle)
    assert not result.applied
    assert Task.objects.count() == 0 and Task.history.count() == 0
    messages = [p.message for p in result.problems]
    assert any("chưa có dữ liệu nào được ghi" in m and "disk full" in m for m in messages), messages
