"""Small configuration tables kept in each process (issue 18): the SLA
policies with their ladders, the regions. A work-order create read them on
every request (three queries and their ORM work); they change a few times a
year, in the admin.

Invalidation: saving or deleting a row of a watched model (post_save,
post_delete, connected by `watch`) drops this process's copy at once and, when
the transaction commits, bumps a version number in the shared cache (Redis in
production: every web process and worker sees it on its next read, one GET).
A process asks the shared cache for the version at most once every
`check_every` seconds (1): a create reads five of these tables, and five
GETs to Redis per request cost more than the rows they guard; another
process's change is seen within that second. Where the cache is this
process's memory (the embedded mode, tests), other processes reload after
`ttl` seconds (60) at the latest; so does every process after a change made
by SQL by hand. A watched model's manager
(`WatchedQuerySet.as_manager()`) makes a queryset's update() and
bulk_create() invalidate as a save does. `ProcessCache.clear_all()` drops
every copy (the tests call it before each test, whose rolled-back rows must
not outlive it)."""

import threading
import time

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

TTL_SECONDS = 60.0
CHECK_EVERY_SECONDS = 1.0


class ProcessCache:
    _all = []

    def __init__(self, name, load, *, ttl=TTL_SECONDS, check_every=CHECK_EVERY_SECONDS):
        self.name, self.load, self.ttl, self.check_every = name, load, ttl, check_every
        self.key = f"process-cache:{name}"
        self._value, self._version, self._loaded_at, self._checked_at = None, None, 0.0, 0.0
        self._lock = threading.Lock()
        ProcessCache._all.append(self)

    def _shared_version(self):
        try:
            return cache.get(self.key, 0)
        except Exception:  # noqa: BLE001 - the cache server down: the TTL still bounds staleness
            return None

    def get(self):
        if self._changing:
            # Changed in a transaction not yet over: read (it may see its own change), keep nothing
            # until it ended (committed or rolled back).
            if transaction.get_connection().in_atomic_block:
                return self.load()
            self._changing = False
            self.clear()
        now = time.monotonic()
        value = self._value
        if value is not None and now - self._checked_at < self.check_every and now - self._loaded_at <= self.ttl:
            return value  # the shared version was asked for less than check_every seconds ago
        version = self._shared_version()
        with self._lock:
            if self._value is None or version != self._version or now - self._loaded_at > self.ttl:
                self._value, self._version, self._loaded_at = self.load(), version, now
            self._checked_at = now
            return self._value

    def invalidate(self, **kwargs):
        self.clear()
        if transaction.get_connection().in_atomic_block:
            self._changing = True

        def bump():
            self._changing = False
            self.clear()
            try:
                cache.incr(self.key)
            except ValueError:
                cache.set(self.key, 1, None)
            except Exception:  # noqa: BLE001 - the cache server down: the TTL still bounds staleness
                pass

        transaction.on_commit(bump)

    def clear(self):
        with self._lock:
            self._value, self._version, self._checked_at = None, None, 0.0

    _changing = False

    def watch(self, *watched):
        for model in watched:
            _watchers.setdefault(model, []).append(self)
            post_save.connect(self.invalidate, sender=model, weak=False, dispatch_uid=f"{self.key}:{model._meta.label}")
            post_delete.connect(self.invalidate, sender=model, weak=False,
                                dispatch_uid=f"{self.key}:{model._meta.label}:delete")
        return self

    @classmethod
    def clear_all(cls):
        for c in cls._all:
            c._changing = False
            c.clear()


_watchers = {}  # model -> the caches built from it


def changed(model):
    for c in _watchers.get(model, ()):
        c.invalidate()


class WatchedQuerySet(models.QuerySet):
    """Bulk writes that send no post_save invalidate the caches built from the model too."""

    def update(self, **kwargs):
        n = super().update(**kwargs)
        changed(self.model)
        return n

    def bulk_create(self, *args, **kwargs):
        rows = super().bulk_create(*args, **kwargs)
        changed(self.model)
        return rows
