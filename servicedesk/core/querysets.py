"""A queryset that hands the rows it fetched to a loader function.

`prefetch_related` costs about 2 ms of Python per relation and page in
Django's generic machinery (a queryset built, filtered and matched per
lookup; for generic and reverse relations one queryset per row). A list page
with ten relations spends more on that than on its SQL (docs/benchmarks.md).
`qs.loading(fn)` keeps the queryset lazy and chainable (filter, annotate,
slice, paginate, get, union) and, when it is evaluated, calls `fn(rows)`
once with the model instances fetched, so a hand-written loader can fill the
relations with one plain query each. `.iterator()` calls it once per chunk
(`chunk_size`, 2000 by default), as `prefetch_related` does per chunk. Rows
that are not model instances (`values()`, `values_list()`) are not passed to
the loader."""

from itertools import islice

from django.db import models
from django.db.models.query import ModelIterable


class LoadingQuerySet(models.QuerySet):
    _loaders = ()
    _loaded = False  # the loaders have run on the rows in _result_cache

    def loading(self, loader):
        clone = self._chain()
        clone._loaders = (*self._loaders, loader)
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._loaders = self._loaders
        return clone

    def _combinator_query(self, combinator, *other_qs, all=False):
        clone = super()._combinator_query(combinator, *other_qs, all=all)
        for other in other_qs:
            for loader in getattr(other, "_loaders", ()):
                if loader not in clone._loaders:
                    clone._loaders = (*clone._loaders, loader)
        return clone

    def _loads(self):
        return bool(self._loaders) and issubclass(self._iterable_class, ModelIterable)

    def _fetch_all(self):
        if self._loaded or not self._loads():
            super()._fetch_all()
            return
        try:
            super()._fetch_all()
            for loader in self._loaders:
                loader(self._result_cache)
        except BaseException:
            # Evaluated again, the rows are fetched, prefetched and loaded again: never half.
            self._result_cache = None
            self._prefetch_done = False
            raise
        self._loaded = True

    def _iterator(self, use_chunked_fetch, chunk_size):
        rows = super()._iterator(use_chunked_fetch, chunk_size)
        if not self._loads():
            yield from rows
            return
        while chunk := list(islice(rows, chunk_size or 2000)):
            for loader in self._loaders:
                loader(chunk)
            yield from chunk


def known_rows(queryset, rows):
    """`queryset` (a relation's, e.g. `customer.phones.all()`) already holding
    `rows` (no query): for the relation's prefetch cache
    (`obj._prefetched_objects_cache[name]`) filled from objects a service has
    just written, so `.all()` and the serializers read them without reading
    them back (issue 18). Chaining on it (`.filter()`) queries as usual."""
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    return queryset
