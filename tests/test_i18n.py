"""The Vietnamese catalogue is complete: every source string has a translation."""

from pathlib import Path

import polib
import pytest

PO = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_vietnamese_catalogue_has_no_missing_or_fuzzy_entry():
    catalogue = polib.pofile(str(PO))
    missing = [e.msgid for e in catalogue if not e.translated() and not e.obsolete]
    assert catalogue.percent_translated() == 100, missing[:20]


def test_compiled_catalogue_matches_the_source():
    """The committed .mo holds exactly the .po's translations (run `make messages` after editing)."""
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    po = polib.pofile(str(PO))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in po if e.translated()}
    assert compiled == source


@pytest.mark.parametrize("msgid", ["Overdue", "Done late", "Agency report deadline"])
def test_key_terms_are_translated(msgid):
    entry = polib.pofile(str(PO)).find(msgid)
    assert entry is not None and entry.msgstr
