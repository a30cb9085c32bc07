"""PostgreSQL through psycopg 3 (issue 18, item 6): Django's connection pool
and the driver's options, from the environment (docs/deployment.md).

- The pool (psycopg_pool, `OPTIONS["pool"]`): each web process keeps between
  DB_POOL_MIN_SIZE and DB_POOL_MAX_SIZE connections; a request borrows one
  and gives it back when it ends, so a request no longer opens a connection
  (CONN_MAX_AGE=0) nor does each gunicorn thread keep one of its own
  (CONN_MAX_AGE>0). A request that finds all of them lent waits at most
  DB_POOL_TIMEOUT seconds, then fails. Django refuses a pool together with
  persistent connections, so CONN_MAX_AGE is 0 wherever the pool is on.
  DB_POOL_MAX_SIZE=0 turns the pool off (then CONN_MAX_AGE applies).
- Celery processes drop the pool (servicedesk/celery.py says why) and keep
  their connection for CONN_MAX_AGE seconds, as before.
- DB_SERVER_SIDE_BINDING and DB_PREPARE_THRESHOLD: psycopg's server-side
  parameters and prepared statements. Off by default, as Django has them:
  measured on a quiet machine, server-side binding made the create no cheaper
  and /me/ dearer (docs/benchmarks.md, "Create against /me/ with fewer
  queries"); prepared statements break behind pgbouncer in transaction mode.
"""

from django.core.exceptions import ImproperlyConfigured

ON, OFF = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
DEFAULT_POOL_MIN_SIZE = 2
DEFAULT_POOL_TIMEOUT = 10.0


def _number(env, name, default, kind=int, minimum=0):
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(f"{name} must be a number of at least {minimum}, not {raw!r}.")
    return value


def postgres_options(db, env):
    """Fill `db` (a DATABASES entry for PostgreSQL) from `env`; answer it."""
    options = db.setdefault("OPTIONS", {})
    # One pool connection per gunicorn thread at most: no thread of a web process waits for another.
    threads = _number(env, "GUNICORN_THREADS", 4, minimum=1)
    max_size = _number(env, "DB_POOL_MAX_SIZE", threads)
    if max_size:
        min_size = _number(env, "DB_POOL_MIN_SIZE", min(DEFAULT_POOL_MIN_SIZE, max_size))
        if min_size > max_size:
            raise ImproperlyConfigured(
                f"DB_POOL_MIN_SIZE ({min_size}) must not be more than DB_POOL_MAX_SIZE ({max_size})."
            )
        timeout = _number(env, "DB_POOL_TIMEOUT", DEFAULT_POOL_TIMEOUT, kind=float, minimum=0.1)
        options["pool"] = {"min_size": min_size, "max_size": max_size, "timeout": timeout}
        db["CONN_MAX_AGE"] = 0
    threshold = (env.get("DB_PREPARE_THRESHOLD") or "").strip()
    if threshold:
        options["prepare_threshold"] = _number(env, "DB_PREPARE_THRESHOLD", None)
    binding = (env.get("DB_SERVER_SIDE_BINDING") or "").strip().lower()
    if binding and binding not in ON | OFF:
        raise ImproperlyConfigured(f"DB_SERVER_SIDE_BINDING must be 1 or 0, not {binding!r}.")
    if binding in ON:
        options["server_side_binding"] = True
    return db


def drop_pool(connections, conn_max_age):
    """No pool in this process from now on: each alias's connections are kept
    `conn_max_age` seconds instead. A pool already opened here (a connection
    borrowed by this thread before) is closed."""
    for alias in connections:
        db = connections.settings[alias]
        if not db.get("OPTIONS", {}).get("pool"):
            continue
        wrapper = connections[alias]
        if alias in getattr(type(wrapper), "_connection_pools", {}):
            wrapper.close()
            wrapper.close_pool()
        del db["OPTIONS"]["pool"]
        db["CONN_MAX_AGE"] = conn_max_age
