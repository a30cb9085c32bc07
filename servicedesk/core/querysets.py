"""A queryset that hands the rows it fetched to a loader function.

`prefetch_related` costs about 2 ms of Python per relation and page in
Django's generic machinery (a queryset built, filtered and matched per
lookup; for generic and reverse relations one queryset per row). A list page
with ten relations spends more on that than on its SQL (docs/benchmarks.md).
`qs.loading(fn)` keeps the queryset lazy and chainable (filter, annotate,
slice, paginate, get) and, when it is evaluated, calls `fn(rows)` once with
the model instances fetched, so a hand-written loader can fill the relations
with one plain query each. Rows that are not model instances (`values()`,
`values_list()`) are not passed to the loader, nor are those of
`.iterator()`, which does not keep the rows (as `prefetch_related` without
a chunk size)."""

from django.db import models
from django.db.models.query import ModelIterable


class LoadingQuerySet(models.QuerySet):
    _loaders = ()

    def loading(self, loader):
        clone = self._chain()
        clone._loaders = (*self._loaders, loader)
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._loaders = self._loaders
        return clone

    def _fetch_all(self):
        fetched_now = self._result_cache is None
        super()._fetch_all()
        if fetched_now and self._loaders and self._result_cache and issubclass(self._iterable_class, ModelIterable):
            try:
                for loader in self._loaders:
                    loader(self._result_cache)
            except BaseException:
                # Evaluated again, the rows are fetched, prefetched and loaded again: never half.
                self._result_cache = None
                self._prefetch_done = False
                raise
