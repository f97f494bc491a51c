"""Property tests: the agency-name matcher and the deadline reader, over names and dates as officials write them."""

import calendar
import datetime as dt
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agencies.models import AgencyKind
from compilation.excel.importing import AgencyIndex, fold_name
from compilation.excel.workbook import CellError, parse_deadline
from tests.factories import AgencyFactory

NAMES = {
    "quynhon": ("UBND thành phố Quy Nhơn", ["UBND TP Quy Nhơn", "UBND TP. Quy Nhơn", "Thành phố Quy Nhơn"]),
    "stp": ("Sở Tư pháp", ["Sở Tư Pháp", "SỞ TƯ PHÁP"]),
    "skhdt": ("Sở Kế hoạch và Đầu tư", ["Sở KH&ĐT", "Sở KH và ĐT", "sở kh & đt"]),
    "vpubnd": ("Văn phòng UBND tỉnh", ["VP UBND tỉnh", "Văn phòng Ủy ban nhân dân tỉnh"]),
}
ROMAN = ["I", "II", "III", "IV"]


def respell(text: str, form: str, case: str, spaces: int) -> str:
    """The same name typed another way: its Unicode form, its case, its spacing."""
    text = {"upper": text.upper(), "lower": text.lower(), "keep": text}[case]
    text = (" " * spaces).join(text.split(" "))
    return unicodedata.normalize(form, text)


variants = st.sampled_from([(code, v) for code, (name, others) in NAMES.items() for v in [name, *others]])
forms = st.sampled_from(["NFC", "NFD"])
cases = st.sampled_from(["upper", "lower", "keep"])


@given(variants, forms, cases, st.integers(1, 3))
def test_a_name_folds_alike_however_it_is_typed(variant, form, case, spaces):
    code, written = variant
    assert fold_name(respell(written, form, case, spaces), True) == fold_name(NAMES[code][0], True)


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None)
@given(variant=variants, form=forms, case=cases)
def test_the_matcher_finds_the_agency_named_in_any_spelling(agency_index, variant, form, case):
    code, written = variant
    assert agency_index.find(respell(written, form, case, 1)).code == code


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None)
@given(text=st.text(st.sampled_from("abcdeghiklmnopqrstuvxyĐđơưăâêôáàảãạ "), min_size=1, max_size=30))
def test_an_unknown_name_is_an_error_never_a_guess(agency_index, text):
    known = {fold_name(n, s) for name, others in NAMES.values() for n in [name, *others] for s in (True, False)}
    assume(text.strip() and fold_name(text, True) not in known and fold_name(text, False) not in known)
    assume(text.strip().casefold() not in NAMES)
    with pytest.raises(CellError):
        agency_index.find(text.strip())


@pytest.fixture
def agency_index(db):
    for code, (name, _others) in NAMES.items():
        AgencyFactory(code=code, name=name, kind=AgencyKind.DEPARTMENT)
    return AgencyIndex()


days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@given(days, st.sampled_from(["", "Trước ", "trước ngày ", "Chậm nhất ngày "]))
def test_a_written_day_is_that_day(day, prefix):
    assert parse_deadline(f"{prefix}{day.day}/{day.month}/{day.year}") == day
    assert parse_deadline(f"{prefix}{day:%d/%m/%Y}") == day
    assert parse_deadline(f"ngày {day.day} tháng {day.month} năm {day.year}") == day
    assert parse_deadline(dt.datetime(day.year, day.month, day.day)) == day


@given(days)
def test_a_month_quarter_or_year_is_its_last_day(day):
    month_end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    assert parse_deadline(f"Tháng {day.month}/{day.year}") == month_end
    quarter = (day.month - 1) // 3 + 1
    last = parse_deadline(f"Quý {ROMAN[quarter - 1]}/{day.year}")
    assert last == parse_deadline(f"Quý {quarter}/{day.year}")
    assert last.month == 3 * quarter and day <= last and (last + dt.timedelta(days=1)).day == 1
    assert parse_deadline(f"Năm {day.year}") == dt.date(day.year, 12, 31)


@given(st.integers(13, 99), st.integers(1990, 2100))
def test_an_impossible_month_is_an_error(month, year):
    with pytest.raises(CellError):
        parse_deadline(f"Tháng {month}/{year}")
