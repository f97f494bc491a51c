"""Writing a benchmark's section into docs/performance.md, between its start and end markers."""

from __future__ import annotations

from pathlib import Path


def write_section(docs: Path, start: str, end: str, section: str) -> None:
    """Replace the text from ``start`` to ``end`` with ``section`` (which holds both markers), or append it."""
    text = docs.read_text()
    if start in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        docs.write_text(before + section + after)
    else:
        docs.write_text(text.rstrip("\n") + "\n\n" + section + "\n")
