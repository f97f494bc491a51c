"""Property tests: the agency-name matcher and the deadline reader, over names and dates as officials write them."""

import calendar
import datetime as dt
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agencies.models import Agency, AgencyAlias, AgencyKind
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


# --------------------------------------------------------------------------- "TP." / "TP" / "Thành phố", aliases, lists

CITY_PREFIXES = ["UBND ", "Ủy ban nhân dân ", "Uỷ ban nhân dân ", "UBND  ", ""]
CITY_WORDS = ["TP", "TP.", "TP. ", "Thành phố", "thành phố", "THÀNH PHỐ", "Tp."]


@pytest.fixture
def index_with_alias(agency_index):

    AgencyAlias.objects.create(
        text="Ban Dân tộc tỉnh", normalized="ban dan toc tinh", agency=Agency.objects.get(code="stp")
    )
    return AgencyIndex()


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=80, deadline=None)
@given(
    prefix=st.sampled_from(CITY_PREFIXES),
    word=st.sampled_from(CITY_WORDS),
    form=forms,
    case=cases,
    spaces=st.integers(1, 3),
)
def test_the_city_matches_with_tp_tp_dot_or_thanh_pho(agency_index, prefix, word, form, case, spaces):
    written = respell(f"{prefix}{word} Quy Nhơn", form, case, spaces)
    assert agency_index.find(written).code == "quynhon"


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40, deadline=None)
@given(form=forms, case=cases, spaces=st.integers(1, 3))
def test_a_saved_alias_matches_in_any_spelling(index_with_alias, form, case, spaces):
    assert index_with_alias.find(respell("Ban Dân tộc tỉnh", form, case, spaces)).code == "stp"


SEPARATORS = [", ", ",", "; ", ";", "\n", "\n- ", " và ", ",\n"]


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=80, deadline=None)
@given(
    names=st.lists(variants, min_size=1, max_size=5, unique_by=lambda v: v[0]),
    separators=st.lists(st.sampled_from(SEPARATORS), min_size=4, max_size=4),
    form=forms,
)
def test_a_list_in_one_cell_splits_into_its_agencies(agency_index, names, separators, form):
    """Names joined by commas, semicolons, line breaks or "và" — "Sở Kế hoạch và Đầu tư" holds a "và" itself."""
    cell = names[0][1]
    for (_code, written), separator in zip(names[1:], separators, strict=False):
        cell += separator + written
    pieces = agency_index.split(unicodedata.normalize(form, cell))
    assert [agency_index.find(p).code for p in pieces] == [code for code, _written in names]


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None)
@given(text=st.text(st.sampled_from("abcdeghiklmnopqrstuvxyĐđơưăâêôáàảãạ ,;"), min_size=1, max_size=30))
def test_no_piece_of_an_unknown_string_is_guessed(index_with_alias, text):
    """Every piece of a random cell is either a known name (found exactly) or an error; never a near miss."""
    known = {fold_name(n, True) for name, others in NAMES.values() for n in [name, *others]} | {"ban dan toc tinh"}
    for piece in index_with_alias.split(text):
        if fold_name(piece, True) in known or piece.casefold() in NAMES:
            continue
        with pytest.raises(CellError):
            index_with_alias.find(piece)
