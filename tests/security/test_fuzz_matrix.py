"""No input answers 500: every URL of the URLconf, as every role, with garbage in what the view reads.

The parameter names are not invented: they are read off each view's module — the fields of the
forms and FilterSets it uses, the names it reads straight from ``request.GET``/``request.POST``,
``cycle`` where it calls ``selected_cycle`` and ``next`` where it calls ``_next_or``. The URLs and
the roles that reach each view are those of the URLconf authorization matrix
(tests/ops/test_urlconf_authz.py), so a new URL is fuzzed as soon as it has an expectation there.

The matrix is generated, not random, so a failure is reproducible and the number of requests is
fixed (the time budget): a role the view refuses gets one request per method; the first role it
serves gets one request per garbage value, each parameter shifted by one, so every parameter of
every view meets every value; each other served role gets ROUNDS requests at other offsets.
A crash inside the view (the test client re-raises it) counts as a 500 like a 500 answer does.
"""

from __future__ import annotations

import inspect
import re
import sys
from urllib.parse import urlencode

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve
from django_filters import FilterSet

from agencies.models import User
from tests.ops.test_urlconf_authz import EXPECTED, ROLES, _url, objects  # noqa: F401 (objects is a fixture)

pytestmark = pytest.mark.django_db

GARBAGE: list[str | list[str]] = [
    "²",  # isdigit() but not int()
    "٣",  # an Arabic-Indic digit: isdecimal() but not ASCII
    "-1",
    "-" + "9" * 30,  # overflows a bigint, negative
    "9" * 30,
    "1e309",
    "x" * 5000,
    "a\x00b",  # PostgreSQL refuses NUL in text
    "31/02/2021",  # an impossible date
    "99/99/9999",
    "NaN",
    ["1", "２"],  # a repeated parameter (the second a full-width digit)
    "",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "🙂" * 300,
]
ROUNDS = 4  # per served role and method; role offsets spread the values over the parameters
READS = re.compile(
    r"""request\.(?:GET|POST)\.get(?:list)?\(\s*["'](\w+)["']|["'](\w+)["']\s+in\s+request\.(?:GET|POST)"""
)
# django.views.i18n.set_language reads its parameter through a constant, not a literal.
EXTRA = {"set_language": {"language"}}


def _form_classes(module) -> list[type]:
    found = []
    for value in vars(module).values():
        if inspect.isclass(value) and issubclass(value, (forms.BaseForm, FilterSet)):
            found.append(value)
    return found


def _fields(cls: type) -> dict[str, bool]:
    """Parameter name -> is it a file field."""
    if issubclass(cls, FilterSet):
        return dict.fromkeys(cls.base_filters, False)
    return {name: isinstance(f, forms.FileField) for name, f in cls.base_fields.items()}


def view_parameters(url: str, name: str) -> dict[str, bool]:
    """The parameters the view behind ``url`` reads, from its module's source and form classes."""
    match = resolve(url.split("?")[0])
    func = match.func
    initkwargs = getattr(func, "view_initkwargs", {})
    view = getattr(func, "view_class", None) or inspect.unwrap(func)
    module = sys.modules[view.__module__]
    source = inspect.getsource(module)
    params: dict[str, bool] = {}
    classes = [c for c in _form_classes(module) if re.search(rf"\b{c.__name__}\(", source)]
    classes += [v for v in initkwargs.values() if inspect.isclass(v) and issubclass(v, forms.BaseForm)]
    for cls in classes:
        params.update(_fields(cls))
    for a, b in READS.findall(source):
        params.setdefault(a or b, False)
    if "selected_cycle(" in source:
        params.setdefault("cycle", False)
    if "_next_or(" in source:
        params.setdefault("next", False)
    for extra in EXTRA.get(name, ()):
        params.setdefault(extra, False)
    return params


def _garbage_data(params: dict[str, bool], offset: int) -> dict:
    data: dict = {}
    for i, (param, is_file) in enumerate(sorted(params.items())):
        value = GARBAGE[(offset + i) % len(GARBAGE)]
        if is_file:
            junk = b"PK\x03\x04" + bytes(range(256)) * 4  # a broken zip named like a workbook
            data[param] = SimpleUploadedFile("x.xlsx", junk, content_type="application/octet-stream")
        else:
            data[param] = value
    return data


def _served(status: int, role: str) -> bool:
    """Whether the role gets past the view's gate (as opposed to login redirect, 403, 404, 405)."""
    return role != "anonymous" and status not in (403, 404, 405)


def _overflowing(url: str) -> str | None:
    """The URL with each integer in its path replaced by one no column can hold."""
    path, _, query = url.partition("?")
    swapped = re.sub(r"/\d+(?=/)", "/" + "9" * 25, path)
    return None if swapped == path else swapped + (f"?{query}" if query else "")


def _request(client, method: str, url: str, data: dict):
    try:
        if method == "get":
            return client.get(url, data).status_code
        query = {k: v for k, v in data.items() if not isinstance(v, SimpleUploadedFile)}
        return client.post(f"{url}{'&' if '?' in url else '?'}{urlencode(query, doseq=True)}", data).status_code
    except Exception as exc:  # the client re-raises what the view raised: a 500 under gunicorn
        return f"500 ({type(exc).__name__}: {str(exc)[:120]})"


def _plan(objs: dict) -> list[tuple[str, str, str, dict]]:
    """(method, url, role, data) for every request of the matrix, in a fixed order."""
    plan = []
    for name, (key, get_expected, post_expected) in EXPECTED.items():
        url = _url(name, key, objs)
        params = view_parameters(url, name)
        for method, expected in (("get", get_expected), ("post", post_expected)):
            if expected is None:
                continue
            first_served = True
            for r, (role, status) in enumerate(expected.items()):
                served = _served(status, role) and bool(params)
                rounds = (len(GARBAGE) if first_served else ROUNDS) if served else 1
                first_served = first_served and not served
                for n in range(rounds):
                    plan.append((method, url, role, _garbage_data(params, r * ROUNDS + n * 5)))
                if _served(status, role) and (big := _overflowing(url)):
                    plan.append((method, big, role, {}))
    return plan


def test_the_matrix_reads_real_parameter_names_of_every_served_view():
    """The introspection finds the names the views read (a rename would silently thin the fuzz)."""
    from django.urls import reverse

    assert {"q", "status", "lead", "criterion", "page", "cycle"} <= set(
        view_parameters(reverse("remediation:task-list"), "remediation:task-list")
    )
    assert {"tasks", "action", "deadline", "lead_agency", "reason", "next"} <= set(
        view_parameters(reverse("remediation:manage-task-bulk"), "remediation:manage-task-bulk")
    )
    assert {"username", "password"} <= set(view_parameters(reverse("login"), "login"))
    excel = view_parameters(reverse("compilation:excel-import"), "compilation:excel-import")
    assert excel["file"] is True and "kind" in excel


def test_no_url_answers_500_to_garbage_for_any_role(client, objects):  # noqa: F811
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    errors = []
    plan = _plan(objects)
    for method, url, role, data in plan:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        status = _request(client, method, url, data)
        if not isinstance(status, int) or status == 500:  # /healthz answers 503 by design when Redis is down
            errors.append((method, url, role, status, sorted(data)))
    print(f"fuzz matrix: {len(plan)} requests, {len(errors)} server errors")
    assert errors == []
