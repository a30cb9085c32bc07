"""Many rows in few statements. On PostgreSQL: one
`INSERT ... SELECT * FROM unnest(column arrays) RETURNING id` per page of
2,000 rows, the values taken from the instances as they are (the history sets every time
itself, auto_now fields included), without bulk_create's per-value
preparation, which cost most of the history's time (docs/benchmarks.md,
Demo history). Elsewhere (SQLite): bulk_create, with the instances' own
times kept (`times_as_given`)."""

from __future__ import annotations

import contextlib
import json
from types import SimpleNamespace

from django.db import connection, models

PAGE = 2000


@contextlib.contextmanager
def times_as_given(*model_classes):
    """bulk_create writes created_at/updated_at as the rows give them (the
    times the services would have stamped), not the seed's own clock."""
    fields = [
        f
        for m in model_classes
        for f in m._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f in fields:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


class Row(SimpleNamespace):
    """A row to insert, lighter than a model instance: its columns by attname (`by_id`, not `by`)."""


_DEFAULTS = {}


def _fresh(field) -> bool:
    return field.has_default() and callable(field.default)


def row(model, **values) -> Row:
    """A Row of `model` with the fields' defaults where `values` give none."""
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = [
            (f.attname, f.default if _fresh(f) else f.get_default(), _fresh(f))
            for f in model._meta.concrete_fields
            if not f.primary_key
        ]
    fields = {name: (default() if fresh else default) for name, default, fresh in defaults if name not in values}
    return Row(**fields, **values)


def _json(value):
    return None if value is None else json.dumps(value)  # None: SQL NULL, as Django writes it


def insert(objs, *, model=None) -> None:
    """Insert these unsaved instances of one model and set their ids."""
    objs = list(objs)
    if not objs:
        return
    model = model or type(objs[0])
    if connection.vendor != "postgresql":
        originals = objs
        objs = [
            model(**{k: v for k, v in vars(o).items() if not k.startswith("_")}) if isinstance(o, Row) else o
            for o in objs
        ]
        with times_as_given(model):
            model.objects.bulk_create(objs, batch_size=500)
        for original, saved in zip(originals, objs, strict=True):
            original.pk = saved.pk
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    convert = [(f.attname, isinstance(f, models.JSONField)) for f in fields]
    rows = [
        tuple(_json(getattr(o, name)) if is_json else getattr(o, name) for name, is_json in convert) for o in objs
    ]
    qn = connection.ops.quote_name
    # One array per column, unnested into rows (as Django's bulk_create does on PostgreSQL): a short
    # statement whatever the number of rows, so the driver has nothing to parse per value.
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"SELECT * FROM unnest({arrays}) RETURNING {qn(model._meta.pk.column)}"
    )
    ids = []
    with connection.cursor() as cursor:
        for i in range(0, len(rows), PAGE):
            page = rows[i : i + PAGE]
            cursor.execute(sql, [list(column) for column in zip(*page, strict=True)])
            ids += cursor.fetchall()  # in the order of the arrays, as bulk_create relies on too
    for o, (pk,) in zip(objs, ids, strict=True):
        o.pk = pk
        if not isinstance(o, Row):
            o._state.adding = False
