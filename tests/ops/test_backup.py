"""Backup and restore: the database and the evidence files come back intact."""

import hashlib
import tarfile

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency, User
from parindex.models import Score
from remediation import services
from remediation.models import Evidence, Task
from tests.remediation import files

pytestmark = pytest.mark.django_db(transaction=True)


def _counts() -> dict:
    return {
        "users": User.objects.count(),
        "agencies": Agency.objects.count(),
        "tasks": Task.objects.count(),
        "scores": Score.objects.count(),
        "task_history": Task.history.count(),
        "score_history": Score.history.count(),
        "evidence": Evidence.objects.count(),
    }


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def test_backup_restores_into_an_empty_database_and_storage(private_root, tmp_path):
    from compilation.demo.loader import load_demo

    load_demo()
    task = Task.objects.filter(lead_agency__code="quynhon").first()
    services.record_progress(
        task.pk,
        User.objects.get(username="quynhon"),
        percent=30,
        note="x",
        reported_on=task.cycle.as_of(),
        files=[files.pdf("kiem-chung.pdf")],
        cause="c",
    )
    before = _counts()
    evidence = Evidence.objects.get()
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--output", str(archive))

    call_command("flush", "--noinput")
    for path in sorted(private_root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert User.objects.count() == 0 and not any(private_root.rglob("*.pdf"))

    call_command("restore", str(archive))
    assert _counts() == before
    restored = Evidence.objects.get()
    assert restored.sha256 == evidence.sha256
    with restored.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == evidence.sha256
    assert User.objects.get(username="quynhon").check_password("demo-2021")
    # Sequences were reset: new rows (and their history) go in after the restored ones.
    task = Task.objects.get(pk=task.pk)
    services.record_progress(
        task.pk,
        User.objects.get(username="quynhon"),
        percent=60,
        note="y",
        reported_on=task.cycle.as_of(),
        files=[files.pdf("moi.pdf")],
    )
    assert Evidence.objects.count() == 2 and Task.history.count() == before["task_history"] + 1


def test_restore_refuses_a_database_that_is_not_empty(private_root, tmp_path, agency):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", "--output", str(archive))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))


def test_restore_refuses_a_damaged_archive(private_root, tmp_path, agency):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", "--output", str(archive))
    call_command("flush", "--noinput")
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "data.json":
                data = data.replace(b"quynhon", b"hacked!")
            member.size = len(data)
            import io

            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged))
    assert Agency.objects.count() == 0
