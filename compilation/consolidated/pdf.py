"""HTML template → PDF bytes with WeasyPrint: an I/O adapter, with no business rules.

What it guarantees, whatever the host has installed:

- the document's font is the one shipped in ``static/fonts/`` (Liberation Serif, metric-
  compatible with Times New Roman that Decree 30/2020 asks for, OFL, full Vietnamese
  coverage); it is declared with ``@font-face`` and set on ``html`` so that page-margin
  boxes (page numbers) use it too;
- nothing is fetched from the network: the URL fetcher serves only the shipped fonts, so a
  template (or text typed by a user) cannot make the renderer call out;
- the HTML is rendered in Vietnamese (numbers ``85,00``, dates ``dd/mm/yyyy``) whatever the
  language of the person who asked, so the browser and the command line give the same bytes.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

#: The family name the templates use; every face of it comes from static/fonts/.
FONT_FAMILY = "Liberation Serif"
FONT_FILES = {
    "regular": "fonts/LiberationSerif-Regular.ttf",
    "bold": "fonts/LiberationSerif-Bold.ttf",
    "italic": "fonts/LiberationSerif-Italic.ttf",
    "bold_italic": "fonts/LiberationSerif-BoldItalic.ttf",
}
DOCUMENT_LANGUAGE = "vi"

# WeasyPrint logs every layout step at INFO; keep its warnings (a missing font) only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@cache
def font_paths() -> dict[str, Path]:
    """Absolute paths of the shipped faces, found like any static file (cached per process)."""
    paths = {}
    for face, name in FONT_FILES.items():
        found = finders.find(name)
        if not found:
            raise FileNotFoundError(f"Missing font {name} under the static directories")
        paths[face] = Path(found).resolve()
    return paths


def font_urls() -> dict[str, str]:
    """file:// URLs for the @font-face rules of the templates."""
    return {face: path.as_uri() for face, path in font_paths().items()}


def _shipped_font(url: str) -> Path | None:
    """The shipped face a file:// URL names, or None for anything else."""
    parsed = urlsplit(url)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    path = Path(url2pathname(unquote(parsed.path))).resolve()
    return path if path in set(font_paths().values()) else None


def local_only_fetcher() -> URLFetcher:
    """A fetcher that serves the shipped fonts and refuses everything else (no network, no file).

    A refusal stops the render (fail_on_errors): a document that silently lost a resource
    would be worse than no document.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ShippedFontsFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            path = _shipped_font(url)
            if path is None:
                raise ValueError(f"Refused to fetch {url!r}: the PDF renderer only reads the shipped fonts")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})

    return ShippedFontsFetcher(allowed_protocols={"file"}, fail_on_errors=True)


def render_html(template_name: str, context: dict[str, Any]) -> str:
    """The document's HTML, always in the document's language."""
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string(template_name, {**context, "fonts": font_urls(), "font_family": FONT_FAMILY})


def html_to_pdf(html: str) -> bytes:
    """Lay out and write the PDF; fonts are subset and embedded by WeasyPrint."""
    from weasyprint import HTML  # imported late: heavy, and only workers and commands need it
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=local_only_fetcher())
    return document.write_pdf(font_config=font_config)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a template of ``templates/pdf/`` to PDF bytes."""
    return html_to_pdf(render_html(template_name, context))


# ----------------------------------------------------------------- parallel parts (issue 16, §6)


#: Put before each row of the annex's table body: where a chunk's HTML can be cut into rows.
ROW_MARK = "<!--row-->"
CONTINUED_STYLE = "<style>table { margin-top: 0 !important; }</style>"


def _laid_out(html: str, font_config):
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=local_only_fetcher()).render(
        font_config=font_config
    )


def _rows_on_last_page(document) -> int:
    """How many rows of the table body (group rows included) the document's last page holds."""
    from weasyprint.formatting_structure import boxes

    rows = set()
    for box in document.pages[-1]._page_box.descendants():
        if isinstance(box, boxes.TableRowGroupBox) and not (box.is_header or box.is_footer):
            rows.update(id(row.element) for row in box.children if isinstance(row, boxes.TableRowBox))
    return len(rows)


def _split_rows(html: str) -> tuple[str, list[str], str]:
    head, rest = html.split("<tbody>", 1)
    body, tail = rest.split("</tbody>", 1)
    first, *rows = body.split(ROW_MARK)
    return head + "<tbody>" + first, [ROW_MARK + r for r in rows], "</tbody>" + tail


def render_in_turn(htmls: list[str]) -> bytes:
    """Chunks of one table laid out one after the other and joined, so that a process holds one
    chunk's layout at a time (WeasyPrint keeps every laid-out page until it writes the file).

    A chunk's last page, which the next rows would have filled, is not written: its rows (marked
    with ``ROW_MARK``) begin the next chunk, so the pages read as if laid out in one document.
    """
    from weasyprint.text.fonts import FontConfiguration

    if len(htmls) == 1:
        return html_to_pdf(htmls[0])
    font_config, parts, carried = FontConfiguration(), [], []
    for i, html in enumerate(htmls):
        if carried:  # the table goes on from the top of a page, where its top margin would not be
            head, rows, tail = _split_rows(html)
            head = head.replace("</head>", CONTINUED_STYLE + "</head>", 1)
            html = head + "".join(carried) + "".join(rows) + tail
        document = _laid_out(html, font_config)
        carried = []
        if i < len(htmls) - 1 and len(document.pages) > 1:
            kept = _rows_on_last_page(document)
            rows = _split_rows(html)[1]
            if 0 < kept < len(rows):
                carried = rows[-kept:]
                document = document.copy(document.pages[:-1])
        parts.append(document.write_pdf())
        del document
        gc.collect()  # the written chunk's boxes, before the next one is laid out
    return merge(parts)


def _render_in_child(htmls: list[str]) -> tuple[int, str]:
    """Fork a process that lays out ``htmls`` in turn and writes the PDF to a temporary file.

    os.fork, not multiprocessing: a Celery prefork worker is a daemonic process, which
    multiprocessing forbids to have children. The child touches no database connection and
    leaves with os._exit, so nothing of the parent (connections, atexit hooks) runs twice.
    """
    fd, path = tempfile.mkstemp(prefix="report-part-", suffix=".pdf")
    os.close(fd)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            Path(path).write_bytes(render_in_turn(htmls))
            code = 0
        finally:
            os._exit(code)
    return pid, path


def render_parallel(groups: list[list[str]]) -> tuple[list[bytes], list[float]]:
    """Each group of HTML documents laid out in its own process (the first group in this one), a
    group's documents in turn and joined; the PDFs in order, and every process's peak RSS in MB
    (for the benchmark: the processes' sum is the render's peak)."""
    if len(groups) == 1 or not hasattr(os, "fork"):
        return [render_in_turn(g) for g in groups], [_maxrss_mb()]
    # Objects that exist before the fork stay shared with the children only if nothing writes to
    # them: gc.freeze keeps the collector from touching them (their memory counts once, not thrice).
    gc.collect()
    gc.freeze()
    try:
        children = [_render_in_child(g) for g in groups[1:]]
    finally:
        gc.unfreeze()
    first = render_in_turn(groups[0])
    parts, peaks = [first], [_maxrss_mb()]
    failed = False
    for pid, path in children:
        _pid, status, usage = os.wait4(pid, 0)
        peaks.append(usage.ru_maxrss / 1024)
        failed = failed or os.waitstatus_to_exitcode(status) != 0
        file = Path(path)
        parts.append(file.read_bytes() if file.exists() else b"")
        file.unlink(missing_ok=True)
    if failed:
        raise RuntimeError("A part of the report failed to render in its process")
    return parts, peaks


def _maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


NUMBERS_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
@font-face {{ font-family: "{family}"; src: url("{regular}"); }}
@page {{ size: A4 {orientation}; margin: 20mm 15mm 20mm 30mm;
  @top-center {{ content: counter(page); font-size: 13pt; vertical-align: middle; }} }}
@page :first {{ @top-center {{ content: none; }} }}
html {{ font-family: "{family}"; font-size: 13pt; }}
div {{ break-after: page; height: 1px; }}
</style></head><body>{pages}</body></html>"""


def number_pages(data: bytes) -> bytes:
    """Stamp page numbers on a PDF laid out without them: centred in the top margin, as the
    CSS draws them on the body, from page 2 (an annex numbers its own pages from 1)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data))
    count = len(reader.pages)
    box = reader.pages[0].mediabox
    orientation = "landscape" if box.width > box.height else "portrait"  # a Report 117 annex is landscape
    fonts = font_urls()
    html = NUMBERS_HTML.format(
        family=FONT_FAMILY, regular=fonts["regular"], pages="<div></div>" * count, orientation=orientation
    )
    stamps = PdfReader(io.BytesIO(html_to_pdf(html)))
    writer = PdfWriter(clone_from=reader)
    for page, stamp in zip(writer.pages, stamps.pages, strict=True):
        page.merge_page(stamp)
        page.compress_content_streams()  # merge_page writes the joined stream uncompressed
    return _write(writer)


def merge(parts: list[bytes], metadata_from: int = 0) -> bytes:
    """The PDFs one after the other, with the document information of part ``metadata_from``."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(p)) for p in parts]
    for reader in readers:
        for page in reader.pages:
            writer.add_page(page)
    info = readers[metadata_from].metadata
    if info:
        writer.add_metadata({k: v for k, v in info.items() if isinstance(k, str)})
    return _write(writer)


def _write(writer) -> bytes:
    out = io.BytesIO()
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    writer.write(out)
    return out.getvalue()
