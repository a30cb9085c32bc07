"""API throttling per token (api-contract: Throttling; issue 16, item 5):
never below 600 requests a minute with bursts of 20, configurable upwards;
a refused request is 429 with Retry-After and `"code": "throttled"`."""

import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from servicedesk.accounts.models import ApiToken
from servicedesk.core import throttling

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def contract_limits(settings):
    """The defaults of production (the suite's own settings raise them)."""
    settings.SERVICEDESK = {**settings.SERVICEDESK, "API_RATE_PER_MINUTE": 600, "API_BURST": 20}


@pytest.fixture
def clock(monkeypatch):
    now = types.SimpleNamespace(value=time.time())
    monkeypatch.setattr(throttling, "time", types.SimpleNamespace(time=lambda: now.value))
    return now


def token_client(user, name="default"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.create(user=user, name=name).key}")
    return client


def test_a_burst_of_20_passes_and_the_21st_at_once_is_429(contract_limits, clock, partner_user):
    client = token_client(partner_user)

    answers = [client.get("/api/v1/me/").status_code for _ in range(20)]
    r = client.get("/api/v1/me/")

    assert answers == [200] * 20
    assert r.status_code == 429
    assert r["Retry-After"] == "1"  # one request's worth at 600 a minute: 0.1 s, rounded up
    assert r.json()["code"] == "throttled"
    clock.value += 0.1
    assert client.get("/api/v1/me/").status_code == 200


def test_600_requests_a_minute_pass(contract_limits, clock, partner_user):
    client = token_client(partner_user)
    answers = []
    for _ in range(600):
        answers.append(client.get("/api/v1/me/").status_code)
        clock.value += 0.1

    assert answers == [200] * 600


def test_posts_count_too(contract_limits, clock, partner_user):
    client = token_client(partner_user)

    answers = [client.post("/api/v1/work-orders/", {}, format="json").status_code for _ in range(21)]

    assert answers == [400] * 20 + [429]


def test_each_token_has_its_own_budget(contract_limits, clock, partner_user):
    erp, shop = token_client(partner_user, "erp"), token_client(partner_user, "shop")
    for _ in range(20):
        erp.get("/api/v1/me/")

    assert erp.get("/api/v1/me/").status_code == 429
    assert shop.get("/api/v1/me/").status_code == 200


def test_anonymous_requests_are_counted_per_address(contract_limits, clock, db):
    """Where anonymous requests are heard at all (the token endpoint; elsewhere they are 401 first)."""
    first, second = APIClient(REMOTE_ADDR="203.0.113.1"), APIClient(REMOTE_ADDR="203.0.113.2")
    for _ in range(20):
        assert first.post("/api/v1/auth/token/", {}, format="json").status_code == 400

    assert first.post("/api/v1/auth/token/", {}, format="json").status_code == 429
    assert second.post("/api/v1/auth/token/", {}, format="json").status_code == 400


def test_the_limits_are_configurable_upwards(settings, clock, partner_user):
    settings.SERVICEDESK = {**settings.SERVICEDESK, "API_RATE_PER_MINUTE": 1200, "API_BURST": 50}
    client = token_client(partner_user)

    answers = [client.get("/api/v1/me/").status_code for _ in range(51)]

    assert answers == [200] * 50 + [429]


@pytest.mark.parametrize("variable, value, ok", [
    ("SERVICEDESK_API_RATE_PER_MINUTE", "6000", True),
    ("SERVICEDESK_API_RATE_PER_MINUTE", "599", False),
    ("SERVICEDESK_API_BURST", "100", True),
    ("SERVICEDESK_API_BURST", "19", False),
])
def test_the_environment_may_raise_the_limits_but_not_lower_them(variable, value, ok):
    script = "from servicedesk import settings; print(settings.SERVICEDESK['API_RATE_PER_MINUTE'], " \
             "settings.SERVICEDESK['API_BURST'])"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            env={"TESTING": "1", "PATH": "/usr/bin:/bin", variable: value})

    assert (result.returncode == 0) is ok, result.stderr[-500:]
    if not ok:
        assert variable in result.stderr
