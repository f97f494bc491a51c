"""One vocabulary (issue 16, §3): no user-facing label uses a term docs/glossary.md marks as replaced.

Labels are matched whole, never as substrings: "Dự thảo" inside "Đang dự thảo" or "Đổi" inside
"Thay đổi" are not hits. A label is a hit when, after trimming spaces and end punctuation, it
is the replaced term itself, or the term followed by a count ("chậm 23 ngày", "trễ hạn 7 ngày").
A replaced term in parentheses ("(theo dõi, thẩm định)") is a qualifier and is a hit wherever it
stands. The labels read: every msgstr of the Vietnamese catalogue, the documents' fixed words
(compilation.vocabulary), the workbook's headers and the PDF template's headings.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest

from compilation import vocabulary
from compilation.excel import exporting

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
COUNT = r"(\d+|%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}|N)"


def replaced_terms() -> dict[str, str]:
    """{replaced term: the term to use} from every table whose first column is "Vietnamese (use)"."""
    terms: dict[str, str] = {}
    in_terms = False
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("| Vietnamese (use)"):
            in_terms = True
            continue
        if not line.startswith("|"):
            in_terms = False
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not in_terms or set(cells[0]) <= {"-"}:
            continue
        for term in cells[-1].split(";"):
            term = term.strip()
            if term and term not in ("—", "a number", "the database id") and '"' not in term:
                terms[term] = cells[0]
    return terms


def normalised(label: str) -> str:
    return " ".join(label.split()).strip(" .:;")


def hits(label: str, terms: dict[str, str]) -> list[str]:
    text = normalised(label)
    found = []
    for term in terms:
        if term.startswith("("):
            if term in text:
                found.append(term)
        elif text == term or re.fullmatch(rf"{re.escape(term)} {COUNT}( ngày)?", text):
            found.append(term)
    return found


class _Headings(HTMLParser):
    """Text of <th>, <h2>, <h3> and the caption paragraphs of the PDF template, tags stripped."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.texts, self.current = 0, [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "h2", "h3"):
            self.depth += 1
            self.current = []

    def handle_endtag(self, tag):
        if tag in ("th", "h2", "h3") and self.depth:
            self.depth -= 1
            self.texts.append("".join(self.current))

    def handle_data(self, data):
        if self.depth:
            self.current.append(data)


def pdf_headings() -> list[str]:
    source = (ROOT / "templates" / "pdf" / "report.html").read_text(encoding="utf-8")
    source = re.sub(r"\{[{%#].*?[}%#]\}", "", source)
    parser = _Headings()
    parser.feed(source)
    return [t for t in parser.texts if t.strip()]


def user_labels() -> list[tuple[str, str]]:
    labels = []
    for entry in polib.pofile(str(CATALOGUE)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text:
                labels.append((f"msgstr of {entry.msgid!r}", text))
    for name in dir(vocabulary):
        value = getattr(vocabulary, name)
        if isinstance(value, dict):
            labels += [(f"vocabulary.{name}", str(v)) for v in value.values()]
    for sheet in ("SCORE_COLUMNS", "TASK_COLUMNS", "AGENCY_COLUMNS"):
        labels += [(f"exporting.{sheet}", str(c.header)) for c in getattr(exporting, sheet)]
    labels += [("templates/pdf/report.html", t) for t in pdf_headings()]
    labels += template_literals()
    return labels


def template_literals() -> list[tuple[str, str]]:
    """Words written straight into the web templates' options and buttons, not through a translation tag
    (the "---------" that a lead-agency filter showed as its empty choice)."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<(option|button)\b[^>]*>([^<{]*)</\1>", source):
            if match.group(2).strip():
                found.append((str(path.relative_to(ROOT)), match.group(2)))
    return found


def test_template_literals_are_read():
    assert any(label == "—" for _where, label in template_literals())


def test_the_glossary_lists_replaced_terms():
    terms = replaced_terms()
    for term in ("Điểm bị trừ", "Tự chấm", "Dự thảo", "Gửi muộn", "trễ hạn", "Ban hành báo cáo", "Đổi", "---------"):
        assert term in terms
    assert "(theo dõi, thẩm định)" in terms


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Dự thảo", ["Dự thảo"]),
        ("Đang dự thảo", []),
        ("Đổi", ["Đổi"]),
        ("Thay đổi", []),
        ("chậm 23 ngày", ["chậm"]),
        ("chậm %(n)s ngày", ["chậm"]),
        ("quá hạn 7 ngày", []),
        ("Chuyên viên Sở Nội vụ (theo dõi, thẩm định)", ["(theo dõi, thẩm định)"]),
        ("Điểm thẩm định", []),
        ("Gửi muộn:", ["Gửi muộn"]),
    ],
)
def test_whole_labels_match_and_substrings_do_not(label, expected):
    assert hits(label, replaced_terms()) == expected


def test_no_user_facing_label_uses_a_replaced_term():
    terms = replaced_terms()
    offending = [(where, label, hits(label, terms)) for where, label in user_labels() if hits(label, terms)]
    assert offending == []
