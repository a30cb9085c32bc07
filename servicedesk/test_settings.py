"""Settings for the test suite: the real settings, with TESTING on and a fast
password hasher. DATABASE_URL and REDIS_URL still decide the services."""

import os

os.environ.setdefault("TESTING", "1")

from .settings import *  # noqa: E402,F401,F403 - all the real settings, read after TESTING is set

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The tests' webhook receivers listen on the loopback address (as DEBUG allows).
SERVICEDESK_WEBHOOKS_ALLOW_PRIVATE = True
# Without Redis the tests publish to an in-memory broker, never into the
# developer's own file-system broker under var/.
if not os.environ.get("REDIS_URL"):
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
# The suite runs many requests per second as one user: the API throttle far
# above the contract's floor (tests/test_throttling.py sets the real limits).
# The cache is this process's memory even with Redis, cleared before each test
# (conftest), so no test sees another's counters.
SERVICEDESK = {**SERVICEDESK, "API_RATE_PER_MINUTE": 1_000_000, "API_BURST": 100_000}  # noqa: F405 - from settings
# seed_demo without its six months of history unless a test asks (tests/test_demo_history.py).
SERVICEDESK["DEMO_HISTORY_MONTHS"] = 0
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Files the tests upload go to a folder of this run, never the developer's var/media.
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT") or __import__("tempfile").mkdtemp(prefix="servicedesk-media-")
# The deadline waker (servicedesk/deadlines/waker.py) runs in a test's worker only
# when the test asks for it (tests/celery_utils.py: worker_process(waker=True));
# the other worker tests exercise the periodic sweep, which stays the safety net.
SERVICEDESK_DEADLINE_WAKER = os.environ.get("SERVICEDESK_DEADLINE_WAKER", "0").strip().lower() in {"1", "true", "yes"}
