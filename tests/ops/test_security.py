"""Login throttling, the security headers and the production settings."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_login_is_locked_after_repeated_failures_with_a_vietnamese_message(client, staff):
    for _ in range(3):
        client.post(reverse("login"), {"username": "quynhon", "password": "sai"})
    response = client.post(reverse("login"), {"username": "quynhon", "password": "demo-2021"})
    assert response.status_code == 429
    assert "tạm khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(AXES_ENABLED=True)
def test_successful_logins_are_recorded(client, staff):
    from axes.models import AccessLog

    client.post(reverse("login"), {"username": "quynhon", "password": "demo-2021"})
    assert AccessLog.objects.filter(username="quynhon").count() == 1


def test_pages_carry_a_csp_without_inline_script(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    assert "frame-ancestors 'none'" in policy


def test_responses_carry_a_request_id(client):
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


def test_templates_hold_no_inline_script():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for marker in ("<script>", "<script >", "onclick=", "onchange=", "onsubmit=", "javascript:"):
            if marker in text:
                offenders.append(f"{path.relative_to(ROOT)}: {marker}")
        for line in text.splitlines():
            if "<script" in line and "src=" not in line and "application/json" not in line:
                offenders.append(f"{path.relative_to(ROOT)}: {line.strip()[:60]}")
    assert offenders == []


def _production_env(**extra) -> dict:
    drop = {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the e2e conftest sets the last
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production"}, **extra)
    return env


def test_production_check_deploy_has_no_warning():
    env = _production_env(
        SECRET_KEY="x" * 20 + "-production-secret-key-of-sufficient-length-!", ALLOWED_HOSTS="par.example.vn"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_production_env(ALLOWED_HOSTS="x"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_logs_are_json_lines_with_the_request_id():
    code = (
        "import django, logging; django.setup();"
        "from django_guid import set_guid; set_guid('req-42');"
        "logging.getLogger('par').warning('hello')"
    )
    env = _production_env(SECRET_KEY="y" * 60, ALLOWED_HOSTS="par.example.vn")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello" and line["request_id"] == "req-42" and line["level"] == "WARNING"


def test_evidence_storage_has_no_public_url():
    from agencies.files import private_storage

    with pytest.raises(ValueError):
        private_storage().url("evidence/x.pdf")
    logging.getLogger(__name__).debug("private storage has no URL")
