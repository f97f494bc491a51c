"""Issue 16, §5 and §7: the pages at 1280 px and 390 px in a real browser.

No page overflows sideways, no chart is wider than the screen, the agency's navbar shows
"Đăng xuất" whole, the task page repeats no element id, and the sub-criterion picker filters
as one types (static/js/filter-select.js).
"""

import pytest
from django.urls import reverse

from remediation.models import Task

from .conftest import DESKTOP, PHONE, login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEASURE = """() => {
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  return {
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    duplicates: [...new Set(ids.filter((x, i) => ids.indexOf(x) !== i))],
    wide_charts: [...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect())
      .filter(r => r.width > 0 && r.right > window.innerWidth + 1).length,
  };
}"""


SHOWN = "() => [...document.querySelectorAll('#id_sub_criteria option')].filter(o => !o.hidden).length"


@pytest.fixture
def demo_live(transactional_db, live_server):
    from compilation.demo.loader import load_demo

    load_demo(with_2025=False)
    return live_server.url


def test_pages_fit_both_widths_with_unique_ids(page, demo_live):
    base = demo_live
    login(page, base, "snv")
    task = Task.objects.filter(cycle__year=2021).order_by("number").first()
    paths = [
        reverse("compilation:dashboard"),
        reverse("remediation:task-detail", args=[task.pk]),
        reverse("remediation:manage-task-create"),
        reverse("compilation:report-list"),
        reverse("remediation:report-inbox"),
    ]
    for width, height in ((DESKTOP["width"], DESKTOP["height"]), (PHONE["width"], PHONE["height"])):
        page.set_viewport_size({"width": width, "height": height})
        for path in paths:
            page.goto(base + path)
            found = page.evaluate(MEASURE)
            assert found["overflow"] <= 0, (path, width, found)
            assert found["wide_charts"] == 0, (path, width, found)
            assert found["duplicates"] == [], (path, width, found)
        shot(page, f"issue16_inbox_{width}")


def test_the_agency_navbar_shows_logout_whole_at_1280(page, demo_live):
    base = demo_live
    login(page, base, "quynhon")
    page.goto(f"{base}{reverse('remediation:task-list')}")
    box = page.locator("form[action$='/logout/'] button").bounding_box()
    assert box and box["width"] > 0 and box["x"] + box["width"] <= DESKTOP["width"]
    assert page.evaluate(MEASURE)["overflow"] <= 0


def test_the_sub_criterion_picker_filters_as_one_types(page, demo_live):
    base = demo_live
    login(page, base, "snv")
    page.goto(f"{base}{reverse('remediation:manage-task-create')}")
    search = page.locator("#id_sub_criteria_filter")
    total = page.locator("#id_sub_criteria option").count()
    assert total > 50
    search.fill("3.2.")
    visible = page.evaluate(
        "() => [...document.querySelectorAll('#id_sub_criteria option')].filter(o => !o.hidden).length"
    )
    assert 0 < visible < total
    search.fill("thu tuc hanh chinh")  # without accents: the accents are ignored
    visible = page.evaluate(
        "() => [...document.querySelectorAll('#id_sub_criteria option')].filter(o => !o.hidden).length"
    )
    assert 0 < visible < total
    assert page.locator("#id_sub_criteria_count").inner_text().startswith("Đã chọn")
    shot(page, "issue16_picker_1280")
