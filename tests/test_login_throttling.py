"""Failed logins slowed, then refused (api-contract: Throttling; issue 16,
item 5): after at most 10 failures for one account or from one client
address within 15 minutes, the login page, the admin login and
/api/v1/auth/token/ answer 429 with Retry-After; no attempt is held longer
than 2 s before that."""

import time
import types
import uuid

import pytest
from django.contrib.auth import authenticate
from rest_framework.test import APIClient

from servicedesk.accounts import login_guard
from servicedesk.accounts.models import ApiToken
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def delays(monkeypatch):
    """The delays the guard asked for, instead of sleeping them (one test below sleeps for real)."""
    asked = []
    monkeypatch.setattr(login_guard, "sleep", asked.append)
    return asked


@pytest.fixture
def clock(monkeypatch):
    """The guard's clock, moved by hand."""
    now = types.SimpleNamespace(value=time.time())
    monkeypatch.setattr(login_guard, "time", types.SimpleNamespace(time=lambda: now.value))
    return now


def token_attempt(username="agent", password="wrong-password", address="203.0.113.7"):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def page_attempt(client, url, username="agent", password="wrong-password", address="203.0.113.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def assert_refused(r):
    assert r.status_code == 429
    assert 1 <= int(r["Retry-After"]) <= 16 * 60


# --- /api/v1/auth/token/ ----------------------------------------------------------------


def test_the_token_endpoint_refuses_the_11th_attempt_for_an_account(agent):
    answers = [token_attempt().status_code for _ in range(10)]

    r = token_attempt(password=PASSWORD)  # even the right password: not checked any more

    assert answers == [400] * 10
    assert_refused(r)
    assert r.json()["code"] == "throttled"
    assert "token" not in r.json()
    assert ApiToken.objects.count() == 0


def test_the_token_endpoint_counts_per_account_across_addresses(agent):
    for i in range(10):
        assert token_attempt(address=f"198.51.100.{i}").status_code == 400

    assert_refused(token_attempt(password=PASSWORD, address="198.51.100.200"))
    assert token_attempt("supervisor", address="198.51.100.200").status_code == 400  # another account: heard


def test_the_token_endpoint_counts_per_address_across_accounts(agent):
    for i in range(10):
        assert token_attempt(f"guess{i}").status_code == 400

    assert_refused(token_attempt("agent", PASSWORD))
    assert token_attempt("agent", PASSWORD, address="192.0.2.1").status_code == 200  # another address: heard


def test_behind_a_proxy_the_forwarded_client_address_counts(agent, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def attempt(client_address, password="wrong-password", username="agent"):
        return APIClient(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.9, {client_address}").post(
            "/api/v1/auth/token/", {"username": username, "password": password}, format="json")

    for i in range(10):
        assert attempt("203.0.113.50", username=f"guess{i}").status_code == 400

    assert attempt("203.0.113.50", PASSWORD).status_code == 429
    assert attempt("203.0.113.51", PASSWORD).status_code == 200  # another client behind the same proxy


def test_the_refusal_ends_when_the_failures_leave_the_window(agent, clock):
    for _ in range(10):
        assert token_attempt().status_code == 400
        clock.value += 30  # ten failures over five minutes

    r = token_attempt(password=PASSWORD)
    assert_refused(r)
    clock.value += int(r["Retry-After"]) - 2
    assert token_attempt(password=PASSWORD).status_code == 429
    clock.value += 63

    assert token_attempt(password=PASSWORD).status_code == 200


def test_ten_failures_spread_over_more_than_15_minutes_are_not_refused(agent, clock):
    for _ in range(10):
        assert token_attempt().status_code == 400
        clock.value += 121  # 10 failures over 20 minutes: never 10 within 15

    assert token_attempt(password=PASSWORD).status_code == 200


def test_a_success_clears_the_accounts_count(agent):
    for i in range(9):
        assert token_attempt(address=f"198.51.100.{i}").status_code == 400
    assert token_attempt(password=PASSWORD, address="192.0.2.1").status_code == 200

    for i in range(9):
        assert token_attempt(address=f"198.51.100.{20 + i}").status_code == 400

    assert token_attempt(password=PASSWORD, address="192.0.2.2").status_code == 200


def test_failures_are_slowed_before_the_refusal_never_beyond_2_seconds(agent, delays):
    for _ in range(10):
        token_attempt()

    assert delays == [0.0, 0.0, 0.0, 0.25, 0.5, 1.0, 1.5, 1.5, 1.5, 1.5]
    token_attempt(password=PASSWORD)
    assert len(delays) == 10  # the refusal is answered at once


def test_no_attempt_is_held_longer_than_2_seconds(agent, monkeypatch):
    monkeypatch.setattr(login_guard, "sleep", time.sleep)
    held = []
    for _ in range(11):
        started = time.monotonic()
        status = token_attempt().status_code
        held.append((status, time.monotonic() - started))

    assert [s for s, _ in held] == [400] * 10 + [429]
    assert max(seconds for _, seconds in held) < 2.0


def test_the_limit_may_be_set_lower_but_not_higher(monkeypatch):
    import subprocess
    import sys

    def settings_with(value):
        env = {"TESTING": "1", "SERVICEDESK_LOGIN_FAILURE_LIMIT": value, "PATH": "/usr/bin:/bin"}
        return subprocess.run([sys.executable, "-c", "import servicedesk.settings"], env=env, capture_output=True,
                              text=True, cwd=str(__import__("pathlib").Path(__file__).resolve().parent.parent))

    assert settings_with("5").returncode == 0
    refused = settings_with("11")
    assert refused.returncode != 0 and "SERVICEDESK_LOGIN_FAILURE_LIMIT" in refused.stderr


# --- the login page and the admin -------------------------------------------------------


def test_the_login_page_refuses_the_11th_attempt(client, agent):
    answers = [page_attempt(client, "/accounts/login/").status_code for _ in range(10)]

    r = page_attempt(client, "/accounts/login/", password=PASSWORD)

    assert answers == [200] * 10  # the form again, with its error
    assert_refused(r)
    assert 'data-code="throttled"' in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_refuses_the_11th_attempt(client, db):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    answers = [page_attempt(client, "/admin/login/", "root").status_code for _ in range(10)]

    r = page_attempt(client, "/admin/login/", "root", PASSWORD)

    assert answers == [200] * 10
    assert_refused(r)
    assert "_auth_user_id" not in client.session


def test_failures_on_the_pages_and_the_api_add_up(client, agent):
    for _ in range(4):
        page_attempt(client, "/accounts/login/")
    for _ in range(3):
        page_attempt(client, "/admin/login/")
    for _ in range(3):
        token_attempt()

    assert_refused(page_attempt(client, "/accounts/login/", password=PASSWORD))


def test_a_login_without_a_request_is_not_counted(agent):
    """Management commands and the tests' own client.login() check passwords with no one to answer 429."""
    for _ in range(12):
        assert authenticate(username="agent", password="wrong-password") is None

    assert authenticate(username="agent", password=PASSWORD) == agent


# --- the counters on Redis (production) -------------------------------------------------


def test_the_counters_work_on_redis(agent, settings, redis_url):
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url,
                                   "KEY_PREFIX": prefix}}
    try:
        answers = [token_attempt().status_code for _ in range(10)]
        r = token_attempt(password=PASSWORD)
    finally:
        server = redis.Redis.from_url(redis_url)
        keys = list(server.scan_iter(f"{prefix}:*"))
        if keys:
            server.delete(*keys)

    assert answers == [400] * 10
    assert_refused(r)
    assert keys  # the counters were there, not in this process's memory
