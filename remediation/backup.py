"""Backup and restore of the whole application: the database and the evidence files.

The database goes out as Django fixtures (natural keys, history tables
included), so a backup restores into PostgreSQL or SQLite alike; the private
files (evidence, issued reports) go into the same tar archive with a manifest of
their SHA-256, checked again on restore. For large production databases,
`pg_dump` of the database plus a copy of PRIVATE_MEDIA_ROOT is the faster
alternative (see the README); this command is the one that is tested.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


class RestoreRefused(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(output: Path) -> dict:
    """Write the database and the private files into one .tar.gz; return its manifest."""
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.json"
        call_command(
            "dumpdata",
            "--natural-foreign",
            "--natural-primary",
            *[f"--exclude={e}" for e in EXCLUDE],
            "--output",
            str(data),
            verbosity=0,
        )
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
        manifest = {"files": {str(p.relative_to(root)): _sha256(p) for p in files}, "data_sha256": _sha256(data)}
        with tarfile.open(output, "w:gz") as tar:
            tar.add(data, arcname="data.json")
            for path in files:
                tar.add(path, arcname=f"private/{path.relative_to(root)}")
            blob = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return manifest


def _database_is_empty() -> bool:
    from agencies.models import Agency, User

    return not (User.objects.exists() or Agency.objects.exists())


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Only regular files under private/, with no absolute paths or '..' (no path traversal)."""
    members = []
    for m in tar.getmembers():
        name = Path(m.name)
        if m.isfile() and name.parts[:1] == ("private",) and ".." not in name.parts and not name.is_absolute():
            members.append(m)
    return members


def restore(archive: Path) -> dict:
    """Load a backup into an empty database and storage; every file's hash is checked."""
    if not _database_is_empty():
        raise RestoreRefused("The database is not empty: restore only into an empty database.")
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        manifest = json.load(tar.extractfile("manifest.json"))
        clashes = [n for n in manifest["files"] if (root / n).exists()]
        if clashes:
            raise RestoreRefused(f"The storage already holds {len(clashes)} of the backup's files.")
        tar.extract("data.json", tmp, filter="data")
        data = Path(tmp) / "data.json"
        if _sha256(data) != manifest["data_sha256"]:
            raise RestoreRefused("data.json does not match the manifest: the archive is damaged.")
        # The fixture carries the history itself: recording new history while loading
        # (m2m_changed fires for tasks' sub-criteria) would duplicate it.
        with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
            call_command("loaddata", str(data), verbosity=0)
        for member in _safe_members(tar):
            tar.extract(member, tmp, filter="data")
            source = Path(tmp) / member.name
            relative = str(Path(member.name).relative_to("private"))
            if _sha256(source) != manifest["files"].get(relative):
                raise RestoreRefused(f"{relative} does not match the manifest: the archive is damaged.")
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            source.replace(target)
    return manifest
