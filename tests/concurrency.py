"""Run functions at the same moment, each in a thread with its own database
connection: the tests of two dispatchers, two sweeps or two workers racing
for the same rows (PostgreSQL; a SQLite test database is one connection)."""

import threading

from django.db import connections


def at_once(*functions, timeout=60):
    """Start each function in a thread of its own, released together by a
    barrier; each thread closes its database connections when it is done.
    Returns the functions' results in order; re-raises the first exception a
    thread raised, and fails if a thread is still running after `timeout`."""
    start = threading.Barrier(len(functions))
    results = [None] * len(functions)
    errors = [None] * len(functions)

    def run(i, function):
        try:
            start.wait(timeout)
            results[i] = function()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if any(t.is_alive() for t in threads):
        raise AssertionError(f"a thread was still running after {timeout} s")
    for exc in errors:
        if exc is not None:
            raise exc
    return results
