"""A paginator that does not count a whole table it can know the size of.

An app may register, for a model, `total(connection)` (`register_table_total`
in its AppConfig.ready()): the number of its rows, kept by the database
(tickets.models.WorkOrderCount, by triggers), or None when it cannot tell.
When the list is the whole table (no WHERE, no DISTINCT, no grouping, no
set operation: the rows a user who sees everything lists unfiltered), that
number is the count, exactly, and the paginator uses it
instead of `COUNT(*)`, which on a million rows costs tens of milliseconds
(docs/benchmarks.md). Every other list is counted as usual."""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

_table_totals = {}


def register_table_total(model, total) -> None:
    """`total(connection) -> int | None` counts `model`'s whole table."""
    _table_totals[model._meta.label_lower] = total


def whole_table(qs) -> bool:
    """One row per row of the model's table: no WHERE, no join (an
    annotation over a many-valued relation repeats rows), no extra tables,
    no DISTINCT, grouping, set operation or slice."""
    if not isinstance(qs, QuerySet):
        return False
    query = qs.query
    joined = any(getattr(alias, "join_type", None) for alias in query.alias_map.values())
    return (not query.where and not joined and not query.extra_tables and not query.distinct
            and query.group_by is None and not query.combinator and not query.is_sliced)


class CountingPaginator(Paginator):
    @cached_property
    def count(self):
        qs = self.object_list
        counter = _table_totals.get(qs.model._meta.label_lower) if isinstance(qs, QuerySet) else None
        if counter is not None and whole_table(qs):
            total = counter(connections[qs.db])
            if total is not None:
                return total
        return super().count
