"""API throttling per token (api-contract: Throttling): never below 600
requests a minute with bursts of 20, configurable upwards
(SERVICEDESK_API_RATE_PER_MINUTE, SERVICEDESK_API_BURST). A refused request is
a 429 with Retry-After and `"code": "throttled"` (DRF's Throttled, through
core.api.exception_handler).

A token bucket kept as one number per client in the cache (GCRA: the
"theoretical arrival time" of the next request), not DRF's list of every
request of the last minute: one small value read and written per request.
Two requests of one client at the same instant may both read the old value
and both pass: the error is always in the client's favour, never below the
promised rate."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or with NUM_PROXIES trusted proxies
    in front the address that many places from the end of X-Forwarded-For
    (the part the client cannot forge)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    return addresses[-min(proxies, len(addresses))] if addresses else remote


def client_ident(request) -> str:
    """Per token; a session (the pages' own API calls) per user; anonymous per address."""
    token = getattr(request, "auth", None)
    if getattr(token, "pk", None) is not None:
        return f"token:{token.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "addr:" + hashlib.sha256(client_address(request).encode()).hexdigest()[:32]


class ClientRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        rate = settings.SERVICEDESK["API_RATE_PER_MINUTE"]
        burst = settings.SERVICEDESK["API_BURST"]
        interval = 60.0 / rate  # seconds a request "costs"
        key = f"throttle:api:{client_ident(request)}"
        now = time.time()
        arrival = max(cache.get(key) or now, now) + interval
        # Up to `burst` requests may be ahead of the steady rate at once.
        excess = arrival - now - burst * interval
        if excess > 0:
            self._wait = excess
            return False
        cache.set(key, arrival, timeout=int(burst * interval) + 2)
        return True

    def wait(self):
        return self._wait
