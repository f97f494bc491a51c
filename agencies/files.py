"""Private files and the checks on their content, shared by every app that stores uploads.

Evidence of tasks (remediation), evidence of self scores (parindex) and the issued
reports (compilation) are all stored here. The type of an upload is decided by
its content, not its name: a renamed executable is refused. Files are stored
under generated names outside the web root, and the storage has no URL.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from typing import IO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


class PrivateStorage(FileSystemStorage):
    """Storage outside the web root. It has no URL: files are served only by views that check rights.

    The location is read from settings on every use (not frozen when models load), so a
    deployment, a test or a restore can point PRIVATE_MEDIA_ROOT elsewhere.
    """

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; use the download view.")


def private_storage() -> FileSystemStorage:
    return PrivateStorage()


# extension -> the content types that content sniffing may report for it
ALLOWED = {
    "pdf": {"application/pdf"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
}


def sniff(upload: UploadedFile) -> str | None:
    """The MIME type read from the file's first bytes (docx/xlsx by their zip members)."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime == "application/zip" or kind.extension in {"docx", "xlsx"}:
        return _office_type(upload) or kind.mime
    return kind.mime


def _office_type(upload: UploadedFile) -> str | None:
    """docx and xlsx are zip files; tell them apart by their main part."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


OFFICE_MIMES = ALLOWED["docx"] | ALLOWED["xlsx"]


def unpacked_size(source: IO[bytes]) -> tuple[int, int] | None:
    """(bytes, parts) a zip declares in its directory, read without unpacking anything; None when it is no zip.

    The declared sizes are what counts: Python's zipfile never inflates a member past its declared
    size (a member that would is a CRC error), so nothing in this application that opens the file
    later (openpyxl, python-docx) can be made to unpack more than this. The evidence upload
    (check_unpacked) and the Excel import (compilation.excel.workbook.open_workbook) both use it.
    """
    try:
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        source.seek(0)
    return sum(e.file_size for e in entries), len(entries)


def check_unpacked(upload: UploadedFile, name: str) -> None:
    """Refuse an office file (a zip) that unpacks to more than EVIDENCE_MAX_UNPACKED_BYTES or holds
    more than EVIDENCE_MAX_ZIP_ENTRIES parts: a zip bomb renamed .docx or .xlsx.

    Read from the zip's directory (unpacked_size), without unpacking anything, so the check costs milliseconds.
    """
    max_bytes, max_entries = settings.EVIDENCE_MAX_UNPACKED_BYTES, settings.EVIDENCE_MAX_ZIP_ENTRIES
    size = unpacked_size(upload)
    if size is None:
        raise ValidationError(_("“%(name)s” is damaged: it cannot be opened.") % {"name": name})
    unpacked, entries = size
    if entries > max_entries or unpacked > max_bytes:
        raise ValidationError(
            _(
                "“%(name)s” unpacks to %(size)s in %(entries)s parts; the limit is %(limit)s in %(max_entries)s "
                "parts. It may be damaged or malicious: save it again from Word or Excel, or send it as PDF."
            )
            % {
                "name": name,
                "size": filesizeformat(unpacked),
                "entries": entries,
                "limit": filesizeformat(max_bytes),
                "max_entries": max_entries,
            }
        )


def validate_evidence(upload: UploadedFile) -> str:
    """Return the checked content type, or raise a ValidationError in the user's language."""
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError(_("“%(name)s”: only PDF, DOCX, XLSX, JPG and PNG files are accepted.") % {"name": name})
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit is %(limit)s per file.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    mime = sniff(upload)
    if mime not in ALLOWED[ext]:
        raise ValidationError(
            _("“%(name)s” is not really a %(ext)s file (its content does not match its name).")
            % {"name": name, "ext": ext.upper()}
        )
    if mime in OFFICE_MIMES:
        check_unpacked(upload, name)
    return mime


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def private_download(stored, filename: str, content_type: str) -> FileResponse:
    """A privately stored file as an attachment, never cached or sniffed; 404 if it is gone from disk.

    Every evidence download (tasks' and scores') answers through here, so the headers are set once.
    """
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
