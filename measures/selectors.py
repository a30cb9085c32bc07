"""Reads of the measures: the contract's answer over a scope, the lists
behind each number (the same querysets the numbers count), the daily trend,
and the monthly after-sales report (seeds/002 月度售后数据)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaints.models import Complaint
from servicedesk.accounts.models import Unit
from servicedesk.customers.models import ProductCategory
from tickets.models import WorkOrder

from . import satisfaction
from .definitions import BY_CODE, MAIN, MEASURES
from .scope import Scope
from .subjects import complaints as complaint_q
from .subjects import work_orders

CLASSES = ("1", "2", "3")
CATEGORIES = tuple(Complaint.Category.values)
PARTS = ("denominator", "numerator", "missed")


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def measure_rows(scope: Scope) -> list[dict]:
    rows, cache = [], {}
    for m in MEASURES:
        n, d = m.counts(scope, cache)
        rows.append({"code": m.code, "label": str(m.label), "numerator": n, "denominator": d, "rate": rate(n, d),
                     "source": m.source})
    return rows


def complaints_in(scope: Scope) -> QuerySet:
    """Complaints received in the period (contract: by their class now)."""
    return Complaint.objects.filter(complaint_q(scope.filters), received_at__gte=scope.start,
                                    received_at__lt=scope.end)


def complaint_counts(scope: Scope) -> dict:
    found = complaints_in(scope).aggregate(
        **{f"class_{c}": Count("pk", filter=Q(complaint_class=int(c))) for c in CLASSES},
        **{f"cat_{c}": Count("pk", filter=Q(category=c)) for c in CATEGORIES},
    )
    return {"by_class": {c: found[f"class_{c}"] for c in CLASSES},
            "by_category": {c: found[f"cat_{c}"] for c in CATEGORIES}}


def measures(scope: Scope) -> dict:
    """The contract's answer (api-contract.md, Measures)."""
    return {
        "from": scope.first.isoformat(), "to": scope.last.isoformat(),
        "filters": scope.filters,
        "measures": measure_rows(scope),
        "satisfaction": satisfaction.summary(scope),
        "complaints": complaint_counts(scope),
    }


# --- the lists behind the numbers --------------------------------------------


def drilldown(code: str, part: str, scope: Scope) -> tuple[str, QuerySet | None]:
    """(item kind, rows) behind one number. `code` is a measure's code,
    `complaints` (part: class_1.., cat_quality.., or all) or `satisfaction`."""
    if code == "complaints":
        rows = complaints_in(scope)
        if part.startswith("class_") and part[6:] in CLASSES:
            rows = rows.filter(complaint_class=int(part[6:]))
        elif part.startswith("cat_") and part[4:] in CATEGORIES:
            rows = rows.filter(category=part[4:])
        return "complaint", rows.order_by("-received_at", "-pk")
    if code == "satisfaction":
        rows = satisfaction.responses(scope)
        if rows is not None and part.isdigit():
            rows = rows.filter(overall=int(part))
        return "survey", (rows.order_by("-at") if rows is not None else None)
    m = BY_CODE[code]
    if part == "numerator":
        rows = m.numerator(scope)
    elif part == "missed":
        rows = m.missed(scope)
        if rows is None:
            rows = m.denominator(scope).none()
    else:
        rows = m.denominator(scope)
    return m.item, rows.order_by(f"-{m.day_field}", "-pk")


# --- the daily trend -----------------------------------------------------------


def trend(scope: Scope, codes=MAIN) -> dict:
    """{"days": [...], "series": {code: [rate or null per day]}}: each day's
    numerator over denominator, by the local date of the measure's day field."""
    tz = timezone.get_current_timezone()
    days = [scope.first + datetime.timedelta(days=i) for i in range(scope.days)]
    series = {}
    for code in codes:
        m = BY_CODE[code]
        q = m.numerator_q()

        def per_day(rows, field=m.day_field, **counts):
            return {row["day"]: row for row in rows.annotate(day=TruncDate(field, tzinfo=tz))
                    .order_by().values("day").annotate(**counts)}

        if q is not None:
            rows = per_day(m.denominator(scope), d=Count("pk"), n=Count("pk", filter=q))
            found = {day: rate(row["n"], row["d"]) for day, row in rows.items()}
        else:
            dens, nums = per_day(m.denominator(scope), d=Count("pk")), per_day(m.numerator(scope), n=Count("pk"))
            found = {day: rate(nums.get(day, {}).get("n", 0), row["d"]) for day, row in dens.items()}
        series[code] = [found.get(d) for d in days]
    return {"days": [d.isoformat() for d in days], "series": series}


def compare(scope: Scope) -> dict:
    """This period's measures beside the previous period's of the same length."""
    now, before = measures(scope), measures(scope.previous())
    previous = {row["code"]: row for row in before["measures"]}
    for row in now["measures"]:
        old = previous[row["code"]]["rate"]
        row["previous"] = old
        row["change"] = round(row["rate"] - old, 4) if row["rate"] is not None and old is not None else None
    now["previous"] = {"from": before["from"], "to": before["to"], "satisfaction": before["satisfaction"],
                       "complaints": before["complaints"]}
    return now


# --- the monthly after-sales report (seeds/002) --------------------------------


def top_faults(scope: Scope, limit: int = 10) -> list[dict]:
    """The most frequent faults: repair and emergency orders reported in the
    month, by product category and model."""
    return list(
        WorkOrder.objects.filter(work_orders(scope.filters), reported_at__gte=scope.start, reported_at__lt=scope.end,
                                 kind__in=[WorkOrder.Kind.REPAIR, WorkOrder.Kind.EMERGENCY])
        .order_by().values("category__slug", "category__name", "product__model")
        .annotate(n=Count("pk")).order_by("-n", "category__slug", "product__model")[:limit]
    )


def monthly_report(scope: Scope) -> dict:
    report = measures(scope)
    report["month"] = scope.first.strftime("%Y-%m")
    stations = Unit.objects.filter(kind=Unit.Kind.STATION).order_by("name")
    report["by_station"] = [
        {"station": s.pk, "name": s.name, "measures": measure_rows(scope.with_filters(station=s.pk)),
         "complaints": complaint_counts(scope.with_filters(station=s.pk))}
        for s in stations
    ]
    report["by_category"] = [
        {"category": c.slug, "name": c.name, "measures": measure_rows(scope.with_filters(category=c.slug)),
         "complaints": complaint_counts(scope.with_filters(category=c.slug))}
        for c in ProductCategory.objects.filter(active=True).order_by("slug")
    ]
    report["top_faults"] = [
        {"category": r["category__slug"], "category_name": r["category__name"], "model": r["product__model"] or "",
         "orders": r["n"]} for r in top_faults(scope)
    ]
    report["repeat_repairs"] = [
        {"id": o.pk, "number": o.number, "revisit_of": o.revisit_of_id,
         "revisit_of_number": o.revisit_of.number if o.revisit_of_id else None,
         "reported_at": timezone.localtime(o.reported_at).isoformat()}
        for o in BY_CODE["repeat_repair"].numerator(scope).select_related("revisit_of").order_by("reported_at")[:200]
    ]
    return report
