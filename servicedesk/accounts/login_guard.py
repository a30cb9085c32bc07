"""Failed logins slowed, then refused (api-contract: Throttling; issue 16,
item 5), on every entry point that checks a password: the login page, the
admin login and `/api/v1/auth/token/`, since all of them go through
`authenticate()` and so through GuardedModelBackend.

Failures are counted per account and per client address in the cache (Redis
in production, shared by every web process), in one-minute buckets over the
last LOGIN_FAILURE_WINDOW_MINUTES + 1 minutes (so any 15 minutes are
covered). Once either count reaches LOGIN_FAILURE_LIMIT, attempts are refused
before the password is even checked: `LoginRefused`, a 429 with Retry-After
(the API through DRF's handler, pages through LoginRefusedMiddleware), until
enough failures have left the window. Before that, failures after the third
are answered a little later each time, never more than
LOGIN_FAILURE_MAX_DELAY_SECONDS. A successful login clears the account's
count (not the address's: one good account must not launder guesses at
others)."""

import hashlib
import math
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from servicedesk.core.throttling import client_address

BUCKET_SECONDS = 60
SLOW_AFTER = 3  # failures answered at full speed before the delays start
sleep = time.sleep  # tests replace it to record the delays


class LoginRefused(Throttled):
    default_detail = _("Too many failed logins. Try again later.")


def _subjects(request, username):
    """The cache key stems this attempt counts against: the account and the address."""
    account = hashlib.sha256((username or "").strip().casefold().encode()).hexdigest()[:32]
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    return [f"login-failures:account:{account}", f"login-failures:address:{address}"]


def _buckets(now):
    """The minute numbers inside the window, oldest first."""
    current = int(now // BUCKET_SECONDS)
    return list(range(current - settings.SERVICEDESK["LOGIN_FAILURE_WINDOW_MINUTES"], current + 1))


def failures(stems, now) -> dict:
    """{stem: [(minute, count), ...]} over the window, in one cache round trip."""
    minutes = _buckets(now)
    found = cache.get_many([f"{stem}:{m}" for stem in stems for m in minutes])
    return {stem: [(m, found.get(f"{stem}:{m}", 0)) for m in minutes] for stem in stems}


def refused_for(request, username, *, now=None) -> int:
    """Seconds until an attempt for this account from this address is heard
    again; 0 when it is heard now."""
    now = time.time() if now is None else now
    limit = settings.SERVICEDESK["LOGIN_FAILURE_LIMIT"]
    window = len(_buckets(now))
    wait = 0
    for counts in failures(_subjects(request, username), now).values():
        remaining = sum(count for _m, count in counts)
        for minute, count in counts:  # the oldest failures leave the window first
            if remaining < limit:
                break
            remaining -= count
            wait = max(wait, (minute + window) * BUCKET_SECONDS - now)
    return math.ceil(wait)


def record_failure(request, username, *, now=None) -> int:
    """Counts a failed attempt; answers the larger of the two counts."""
    now = time.time() if now is None else now
    minute = int(now // BUCKET_SECONDS)
    timeout = (len(_buckets(now)) + 1) * BUCKET_SECONDS
    stems = _subjects(request, username)
    for stem in stems:
        key = f"{stem}:{minute}"
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout)
    return max(sum(c for _m, c in counts) for counts in failures(stems, now).values())


def record_success(request, username, *, now=None):
    now = time.time() if now is None else now
    account = _subjects(request, username)[0]
    cache.delete_many([f"{account}:{m}" for m in _buckets(now)])


def failure_delay(count) -> float:
    """0.25 s after the 4th failure, doubling, at most LOGIN_FAILURE_MAX_DELAY_SECONDS."""
    if count <= SLOW_AFTER:
        return 0.0
    return min(settings.SERVICEDESK["LOGIN_FAILURE_MAX_DELAY_SECONDS"], 0.25 * 2 ** (count - SLOW_AFTER - 1))


class GuardedModelBackend(ModelBackend):
    """ModelBackend behind the failed-login guard. Without a request (a
    management command, a test calling authenticate()) there is no address
    to count and no one to answer 429: the plain check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        if username is None:
            from django.contrib.auth import get_user_model

            username = kwargs.get(get_user_model().USERNAME_FIELD)
        wait = refused_for(request, username)
        if wait:
            raise LoginRefused(wait=wait)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            sleep(failure_delay(record_failure(request, username)))
        else:
            record_success(request, username)
        return user


class LoginRefusedMiddleware:
    """The pages' and the admin's answer to a refused login: 429 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, LoginRefused):
            return None
        response = render(request, "registration/login_refused.html",
                          {"retry_after_minutes": math.ceil(exception.wait / 60)}, status=429)
        response["Retry-After"] = str(math.ceil(exception.wait))
        return response
