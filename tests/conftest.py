"""Shared fixtures. Tests that need PostgreSQL, Redis or a browser ask for the
`postgres`, `redis_url` or `chromium` fixture: skipped with the reason where
the service is absent, and a failure instead of a skip under CI=true, where
nothing may be skipped."""

import datetime
import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from .factories import PASSWORD, CategoryFactory, PartnerFactory, TechnicianFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may be skipped)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrated rows (serialized
    rollback). Without it, its closing flush drops the rows the migrations
    seeded (SLA policies, role groups) and re-creates the content types under
    new ids, and the next serialized test fails to load its snapshot
    (duplicate django_content_type key)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
            name in item.fixturenames for name in ("transactional_db", "live_server"))
        if transactional and not (marker is not None and marker.kwargs.get("serialized_rollback")):
            kwargs = {**(marker.kwargs if marker is not None else {}), "transaction": True, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The throttles count in the cache: every test starts with no requests and no failed logins."""
    from django.core.cache import cache

    from servicedesk.core.process_cache import ProcessCache

    cache.clear()
    ProcessCache.clear_all()  # per-process copies of policies and regions: no rolled-back row outlives its test


@pytest.fixture(autouse=True)
def _checklists_only_where_marked(request):
    """The checklist templates (onsite, issue 14) block resolve, return and
    take-back until the items are recorded. Tests written before them walk
    orders through those actions without a checklist: they run with the
    seeded templates switched off, as an administrator may do in the admin.
    Tests marked `checklists` keep them."""
    if request.node.get_closest_marker("checklists"):
        return
    names = request.fixturenames
    transactional = "transactional_db" in names or "live_server" in names
    marker = request.node.get_closest_marker("django_db")
    if not (transactional or "db" in names or marker is not None):
        return
    request.getfixturevalue("transactional_db" if transactional or (marker and marker.kwargs.get("transaction"))
                            else "db")
    from onsite.models import ChecklistTemplate

    ChecklistTemplate.objects.filter(active=True).update(active=False)


@pytest.fixture
def postgres(db):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("needs Redis: set REDIS_URL=redis://...")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2).close()
    except OSError as exc:
        skip_or_fail(f"needs Redis at {url}: {exc}")
    return url


@pytest.fixture
def chromium():
    path = "/usr/bin/chromium"
    if not os.path.exists(path) and not shutil.which("chromium"):
        skip_or_fail("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    return path


@pytest.fixture
def browser(chromium, monkeypatch):
    """Debian's Chromium through Playwright's sync API (tests/browsing.py)."""
    from tests.browsing import launched

    # Playwright's sync API runs an event loop in this thread, so Django
    # takes the test's plain ORM calls for calls from async code. Set for this
    # test only: in os.environ for the whole run it would leak into other
    # tests' subprocesses (`check --deploy` flags it, rightly).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from launched(chromium)


# --- the clock -----------------------------------------------------------------


@pytest.fixture
def clock_at(monkeypatch):
    """Sets django.utils.timezone.now (what the services, the auto_now fields
    and the day-bounded selectors read) to a local time in the organisation's
    time zone (Asia/Shanghai), moving on with the real clock from there.
    `clock_at(datetime.time(10))` is 10:00 today; `clock_at(datetime.datetime(2026, 12, 31, 23, 50))`
    a given moment. Answers the aware datetime set. Read "today" with
    timezone.localdate(), never datetime.date.today(), which this does not move."""
    real_now = timezone.now

    def set_(when):
        started = real_now()
        if isinstance(when, datetime.time):
            when = datetime.datetime.combine(timezone.localdate(started), when)
        at = timezone.make_aware(when) if timezone.is_naive(when) else when
        monkeypatch.setattr(timezone, "now", lambda: at + (real_now() - started))
        return at

    return set_


@pytest.fixture
def mid_morning(clock_at):
    """The clock at 10:00 today, local time: "now minus half an hour" is still
    today, which just after midnight it would not be."""
    return clock_at(datetime.time(10))


# --- people ------------------------------------------------------------------


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def category(db):
    return CategoryFactory(slug="gas_water_heater")


@pytest.fixture
def agent(db):
    return UserFactory(username="agent", roles=["agent"])


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="dispatcher", roles=["dispatcher"])


@pytest.fixture
def supervisor(db):
    return UserFactory(username="supervisor", roles=["supervisor"])


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", roles=["manager"])


@pytest.fixture
def telephony(db):
    """The phone switch's API user."""
    return UserFactory(username="telephony", roles=["telephony"])


@pytest.fixture
def partner_user(db):
    return UserFactory(username="partner", roles=["partner"], partner=PartnerFactory(code="acme"))


@pytest.fixture
def partner2_user(db):
    return UserFactory(username="partner2", roles=["partner"], partner=PartnerFactory(code="dealer-two"))


@pytest.fixture
def tech1(db, category):
    return TechnicianFactory(user=UserFactory(username="tech1", roles=["technician"]), categories=[category.slug])


@pytest.fixture
def tech2(db, category):
    return TechnicianFactory(user=UserFactory(username="tech2", roles=["technician"]), categories=[category.slug])


@pytest.fixture
def password():
    return PASSWORD
