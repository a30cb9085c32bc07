"""PostgreSQL through psycopg 3 with Django's connection pool (issue 18, item 6;
servicedesk/dbconfig.py, docs/deployment.md): what the environment makes of
the database settings, web requests borrowing pooled connections and giving
them back (no connection opened per request), and no pool in Celery processes
(servicedesk/celery.py: prefork children and a pool opened before the fork
do not mix)."""

import http.client
import json
import os
import subprocess
import sys
from urllib.parse import urlparse

import pytest
from django.db import connection

from servicedesk.accounts.models import ApiToken
from tests.celery_utils import ROOT

SHOW = (
    "import json, django; django.setup(); from django.db import connections; {before}"
    "d = connections['default'].settings_dict; o = d['OPTIONS']; "
    "print(json.dumps({{'pool': o.get('pool'), 'conn_max_age': d['CONN_MAX_AGE'], "
    "'prepare_threshold': o.get('prepare_threshold', 'unset'), 'server_side_binding': o.get('server_side_binding')}}))"
)
AS_A_WORKER = (
    "from servicedesk.celery import app; from celery.signals import celeryd_init; "
    "celeryd_init.send(sender='w@test', instance=None, conf=app.conf, options={}); "
)


def database_settings(tmp_path, before="", **env):
    """The database settings a process started with `env` gets (settings.py, as production reads them)."""
    full = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "servicedesk.settings", "SERVICEDESK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/not_connected_to", **env,
    }
    out = subprocess.run([sys.executable, "-c", SHOW.format(before=before)], cwd=ROOT, env=full,
                         capture_output=True, text=True, timeout=120)
    if out.returncode:
        return out.stderr.strip().splitlines()[-1]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_pool_is_on_by_default_one_connection_per_gunicorn_thread_and_never_with_persistent_ones(tmp_path):
    assert database_settings(tmp_path) == {
        "pool": {"min_size": 2, "max_size": 4, "timeout": 10.0}, "conn_max_age": 0,
        "prepare_threshold": "unset", "server_side_binding": None,
    }
    # More gunicorn threads, as many connections at most; CONN_MAX_AGE set too: Django refuses both, the pool wins.
    assert database_settings(tmp_path, GUNICORN_THREADS="8", CONN_MAX_AGE="600")["pool"]["max_size"] == 8
    assert database_settings(tmp_path, GUNICORN_THREADS="8", CONN_MAX_AGE="600")["conn_max_age"] == 0
    assert database_settings(tmp_path, DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE="6", DB_POOL_TIMEOUT="2.5",
                             DB_PREPARE_THRESHOLD="5", DB_SERVER_SIDE_BINDING="1") == {
        "pool": {"min_size": 1, "max_size": 6, "timeout": 2.5}, "conn_max_age": 0,
        "prepare_threshold": 5, "server_side_binding": True,
    }


def test_without_the_pool_connections_are_kept_for_conn_max_age(tmp_path):
    assert database_settings(tmp_path, DB_POOL_MAX_SIZE="0", CONN_MAX_AGE="30")["pool"] is None
    assert database_settings(tmp_path, DB_POOL_MAX_SIZE="0", CONN_MAX_AGE="30")["conn_max_age"] == 30


@pytest.mark.parametrize("env,named", [
    ({"DB_POOL_MIN_SIZE": "5", "DB_POOL_MAX_SIZE": "3"}, "DB_POOL_MIN_SIZE (5) must not be more than DB_POOL_MAX_SIZE"),
    ({"DB_POOL_TIMEOUT": "soon"}, "DB_POOL_TIMEOUT must be a number"),
    ({"DB_POOL_MAX_SIZE": "-1"}, "DB_POOL_MAX_SIZE must be a number of at least 0"),
    ({"DB_SERVER_SIDE_BINDING": "maybe"}, "DB_SERVER_SIDE_BINDING must be 1 or 0"),
])
def test_a_wrong_pool_setting_stops_the_start_naming_it(tmp_path, env, named):
    error = database_settings(tmp_path, **env)
    assert isinstance(error, str) and "ImproperlyConfigured" in error and named in error


def test_a_celery_worker_drops_the_pool_and_keeps_its_connection_for_conn_max_age(tmp_path):
    # What `celery worker` sends before its pool forks and before any task (celeryd_init).
    worker = database_settings(tmp_path, before=AS_A_WORKER, CONN_MAX_AGE="45")
    assert worker["pool"] is None and worker["conn_max_age"] == 45
    # The default CONN_MAX_AGE there, as before psycopg 3.
    assert database_settings(tmp_path, before=AS_A_WORKER)["conn_max_age"] == 60


def test_web_requests_borrow_a_pooled_connection_and_give_it_back(postgres, transactional_db, live_server, agent):
    """Through the live server (a thread per request, closing its connections at the end as
    gunicorn's do): twenty requests, not twenty connections opened."""
    if connection.pool is None:
        pytest.fail("the test settings run PostgreSQL with the pool (servicedesk/dbconfig.py)")
    key = ApiToken.objects.get_or_create(user=agent)[0].key
    url = urlparse(live_server.url)
    before = connection.pool.get_stats()
    for _ in range(20):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        conn.request("GET", "/api/v1/me/", headers={"Authorization": f"Token {key}"})
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["username"] == agent.username
        conn.close()
    after = connection.pool.get_stats()
    assert after.get("requests_num", 0) - before.get("requests_num", 0) >= 20  # each request borrowed one
    assert after.get("connections_num", 0) - before.get("connections_num", 0) <= 2  # and gave it back
