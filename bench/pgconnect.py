"""A plain PostgreSQL connection for the bench scripts' own chores (create a
database, find the backends, seed with SQL), outside Django.

psycopg 3, the project's driver (issue 18, item 6), with client-side binding
(`ClientCursor`: parameters merged into the SQL as psycopg2 did, so the seeders'
SQL runs unchanged). Where only psycopg2 is installed (a tree from before that
change, measured with these same scripts: docs/benchmarks.md) it falls back to
psycopg2.
"""

from urllib.parse import urlparse


def connect(url, dbname=None, autocommit=False):
    parsed = urlparse(url)
    params = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "dbname": dbname or parsed.path.lstrip("/"),
    }
    if parsed.password:
        params["password"] = parsed.password
    try:
        import psycopg
    except ImportError:  # a tree from before psycopg 3
        import psycopg2

        conn = psycopg2.connect(**params)
        conn.autocommit = autocommit
        return conn
    return psycopg.connect(**params, autocommit=autocommit, cursor_factory=psycopg.ClientCursor)
