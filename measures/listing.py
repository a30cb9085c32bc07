"""What the lists behind the numbers show, and their export as CSV
(streamed: a month's list may hold tens of thousands of rows) or as an Excel
workbook (openpyxl's write-only mode: rows are not kept in memory)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core.labels import kind_label as deadline_kind_label

from .definitions import BY_CODE


def _time(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


@dataclass(frozen=True)
class Column:
    header: Any
    value: Any


def _on_time(d):
    if d.met_at is None:
        return _("late, open")
    return _("on time") if d.met_at <= d.due_at else _("late")


def _subject_type(d):
    return str(d.content_type.model_class()._meta.verbose_name) if d.content_type.model_class() else ""


COLUMNS = {
    "deadline": [
        Column(gettext_lazy("Object type"), _subject_type),
        Column(gettext_lazy("Object"), lambda d: str(getattr(d, "loaded_subject", None) or f"#{d.object_id}")),
        Column(gettext_lazy("Deadline"), lambda d: str(deadline_kind_label(d.kind))),
        Column(gettext_lazy("Due at"), lambda d: _time(d.due_at)),
        Column(gettext_lazy("Met at"), lambda d: _time(d.met_at)),
        Column(gettext_lazy("Result"), _on_time),
    ],
    "work_order": [
        Column(gettext_lazy("Number"), lambda o: o.number or f"#{o.pk}"),
        Column(gettext_lazy("Kind"), lambda o: str(o.get_kind_display())),
        Column(gettext_lazy("State"), lambda o: str(o.get_state_display())),
        Column(gettext_lazy("Technician"), lambda o: str(o.technician.user.display_name) if o.technician_id else ""),
        Column(gettext_lazy("Reported at"), lambda o: _time(o.reported_at)),
        Column(gettext_lazy("Signed off at"), lambda o: _time(o.signed_off_at)),
    ],
    "call": [
        Column(gettext_lazy("Call id"), lambda c: c.call_id),
        Column(gettext_lazy("State"), lambda c: str(c.get_state_display())),
        Column(gettext_lazy("Rang at"), lambda c: _time(c.rang_at)),
        Column(gettext_lazy("Answered at"), lambda c: _time(c.answered_at)),
        Column(gettext_lazy("Seconds to answer"),
               lambda c: "" if c.answer_seconds is None else f"{c.answer_seconds:.0f}"),
    ],
    "complaint": [
        Column(gettext_lazy("Number"), lambda c: c.number or f"#{c.pk}"),
        Column(gettext_lazy("Class"), lambda c: c.complaint_class),
        Column(gettext_lazy("Category"), lambda c: str(c.get_category_display())),
        Column(gettext_lazy("State"), lambda c: str(c.get_state_display())),
        Column(gettext_lazy("Received at"), lambda c: _time(c.received_at)),
    ],
    "survey": [
        Column(gettext_lazy("Work order"), lambda s: s.order_id),
        Column(gettext_lazy("At"), lambda s: _time(s.at)),
        Column(gettext_lazy("Attitude"), lambda s: s.attitude),
        Column(gettext_lazy("Skill"), lambda s: s.skill),
        Column(gettext_lazy("Punctuality"), lambda s: s.punctuality),
        Column(gettext_lazy("Overall"), lambda s: s.overall),
    ],
    "return": [
        Column(gettext_lazy("Number"), lambda r: r.number or f"#{r.pk}"),
        Column(gettext_lazy("State"), lambda r: str(r.get_state_display())),
        Column(gettext_lazy("Requested by"), lambda r: str(r.get_requested_by_display())),
        Column(gettext_lazy("Category"), lambda r: str(r.product.category.name) if r.product_id else ""),
        Column(gettext_lazy("Decision"), lambda r: str(r.get_decision_display())),
        Column(gettext_lazy("Requested at"), lambda r: _time(r.requested_at)),
    ],
}
RELATED = {"deadline": ["content_type"], "work_order": ["technician__user"], "call": [], "complaint": [],
           "survey": [], "return": ["product__category"]}
PARTS = {"denominator": gettext_lazy("all counted"), "numerator": gettext_lazy("on time / counted in"),
         "missed": gettext_lazy("not counted in")}


def title(code: str, part: str) -> str:
    if code == "complaints":
        return str(_("Complaints received"))
    if code == "satisfaction":
        return str(_("Survey responses"))
    return f"{BY_CODE[code].label} · {PARTS.get(part, PARTS['denominator'])}"


def load_subjects(deadlines) -> None:
    """One query per kind of object on the page (not one per row)."""
    by_type = defaultdict(list)
    for d in deadlines:
        by_type[d.content_type_id].append(d)
    for ct_id, rows in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        found = model.objects.in_bulk([d.object_id for d in rows]) if model else {}
        for d in rows:
            d.loaded_subject = found.get(d.object_id)


def link(item: str, obj) -> str | None:
    target = getattr(obj, "loaded_subject", None) if item == "deadline" else obj
    if target is None or not hasattr(target, "get_absolute_url"):
        return None
    return target.get_absolute_url()


def _prepared(rows, item):
    related = RELATED[item]
    return rows.select_related(*related) if related and rows is not None else rows


def _batches(rows, item, size=2000):
    """The rows in pages of `size` by primary key order of the query (never
    the whole list in memory), the subjects loaded per page."""
    if rows is None:
        return
    rows = _prepared(rows, item)
    total = rows.count()
    for offset in range(0, total, size):
        page = list(rows[offset:offset + size])
        if item == "deadline":
            load_subjects(page)
        yield page


class _Echo:
    def write(self, value):
        return value


def export(rows, item: str, fmt: str, name: str):
    columns = COLUMNS[item]
    header = [str(c.header) for c in columns]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(name[:31])
        sheet.append(header)
        for page in _batches(rows, item):
            for obj in page:
                sheet.append([c.value(obj) for c in columns])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a BOM: Excel opens UTF-8 Chinese correctly
        yield writer.writerow(header)
        for page in _batches(rows, item):
            for obj in page:
                yield writer.writerow([c.value(obj) for c in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
