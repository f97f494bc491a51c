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

import logging
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
