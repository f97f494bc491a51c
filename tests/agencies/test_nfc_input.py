"""Text typed in decomposed Unicode (NFD, as some Mac and web tools send it) reaches every view in NFC.

One middleware (agencies.middleware.NormalizeTextMiddleware) covers every form and query string:
a task created from an NFD form is stored in NFC, and an NFD search finds it.
"""

import unicodedata

import pytest
from django.urls import reverse

from agencies.middleware import _nfc
from remediation.models import Task
from tests.factories import AgencyFactory, CycleFactory

pytestmark = pytest.mark.django_db

TITLE = "Rà soát quy trình nội bộ của Sở Tư pháp"
NFD = unicodedata.normalize("NFD", TITLE)


def test_the_nfd_and_nfc_spellings_differ_as_bytes():
    assert NFD != TITLE and unicodedata.normalize("NFC", NFD) == TITLE


def test_a_task_created_from_an_nfd_form_is_stored_in_nfc_and_an_nfd_search_finds_it(client, snv):
    CycleFactory()
    agency = AgencyFactory(code="stp", name="Sở Tư pháp")
    client.force_login(snv)
    response = client.post(
        reverse("remediation:manage-task-create"),
        {
            "cycle": "2021",
            "title": NFD,
            "source_document": unicodedata.normalize("NFD", "Báo cáo 117/BC-SNV"),
            "deadline": "20/12/2021",
            "lead_agencies": [agency.pk],
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.title == TITLE and task.source_document == "Báo cáo 117/BC-SNV"
    page = client.get(reverse("remediation:task-list"), {"q": unicodedata.normalize("NFD", "quy trình nội bộ")})
    assert TITLE in page.content.decode()


def test_a_query_already_in_nfc_is_passed_on_untouched():
    from django.http import QueryDict

    data = QueryDict("q=Sở+Tư+pháp&page=2")
    assert _nfc(data) is data
    nfd = QueryDict(mutable=True)
    nfd.setlist(unicodedata.normalize("NFD", "tên"), [NFD, "x"])
    out = _nfc(nfd)
    assert out.getlist("tên") == [TITLE, "x"] and not out._mutable
