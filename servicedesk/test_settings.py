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
# PostgreSQL (issue 18, item 6): every connection of this process is named after it, so
# that the tests that wait for "no other session on the test database" (a killed worker's
# rolled back, tests/test_escalation_reliability.py) leave out this process's own: the
# pool's idle connections and the threads' (tests/concurrency.py) are this process's too.
# The pool is as in production (servicedesk/dbconfig.py) but large enough for every
# thread of a concurrency test to hold a connection at once, as gunicorn's threads can.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405 - from settings
    DATABASES["default"]["OPTIONS"]["application_name"] = f"servicedesk-tests-{os.getpid()}"  # noqa: F405
    if DATABASES["default"]["OPTIONS"].get("pool") and not os.environ.get("DB_POOL_MAX_SIZE"):  # noqa: F405
        DATABASES["default"]["OPTIONS"]["pool"]["max_size"] = 32  # noqa: F405
