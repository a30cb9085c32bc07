"""For a test's worker process (tests/celery_utils.worker_process): the test
settings, with the test's own key prefix on the scratch Redis database so the
worker takes only that test's messages."""

import os

from servicedesk.test_settings import *  # noqa: F401,F403 - the test settings, extended below
from servicedesk.test_settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": os.environ.get("TEST_BROKER_KEYPREFIX", ""),
}
