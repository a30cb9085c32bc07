"""The measures page's period picker (day, week, month, custom) and what
the page shows: the cards with their change against the previous period of
the same length, the charts' data, and the links to the lists."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from servicedesk.accounts.models import Region, Unit
from servicedesk.customers.models import ProductCategory
from technicians.models import Technician

from . import satisfaction, selectors
from .definitions import BY_CODE, MAIN
from .scope import FILTERS, Scope

KINDS = ("day", "week", "month", "custom")


@dataclass
class Choice:
    kind: str
    day: datetime.date
    params: dict


def _date(value, default):
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def choose(get) -> Choice:
    """The period asked for: `period` day / week (Monday to Sunday) / month
    around `date` (default today), or custom `from` / `to`."""
    kind = get.get("period") if get.get("period") in KINDS else "month"
    today = timezone.localdate()
    day = _date(get.get("date"), today)
    filters = {name: get.get(name) for name in FILTERS if get.get(name)}
    if kind == "custom":
        params = {"from": get.get("from") or "", "to": get.get("to") or ""}
    elif kind == "day":
        params = {"from": day.isoformat(), "to": day.isoformat()}
    elif kind == "week":
        first = day - datetime.timedelta(days=day.weekday())
        params = {"from": first.isoformat(), "to": (first + datetime.timedelta(days=6)).isoformat()}
    else:
        first = day.replace(day=1)
        last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        params = {"from": first.isoformat(), "to": last.isoformat()}
    return Choice(kind=kind, day=day, params={**params, **filters})


def list_url(scope: Scope, code: str, part: str = "denominator") -> str:
    return reverse("measures-list") + "?" + urlencode({**scope.query(), "code": code, "part": part})


def page_context(scope: Scope) -> dict:
    data = selectors.compare(scope)
    cards = []
    for row in data["measures"]:
        cards.append({**row, "what": BY_CODE[row["code"]].what,
                      "list_url": list_url(scope, row["code"]),
                      "numerator_url": list_url(scope, row["code"], "numerator"),
                      "missed_url": (list_url(scope, row["code"], "missed")
                                     if BY_CODE[row["code"]].numerator_q() is not None else None)})
    complaint_labels = dict(Complaint.Category.choices)
    trend = selectors.trend(scope)
    chart = {
        "trend": {"days": trend["days"],
                  "series": [{"code": c, "name": str(BY_CODE[c].label),
                              "data": [None if v is None else round(v * 100, 1) for v in trend["series"][c]]}
                             for c in MAIN]},
        "complaints": {"classes": [_("Class %(n)s") % {"n": c} for c in selectors.CLASSES],
                       "categories": [str(complaint_labels[c]) for c in selectors.CATEGORIES],
                       "by_class": [data["complaints"]["by_class"][c] for c in selectors.CLASSES],
                       "by_category": [data["complaints"]["by_category"][c] for c in selectors.CATEGORIES]},
        "satisfaction": satisfaction.spread(scope),
        "links": {"class": {c: list_url(scope, "complaints", f"class_{c}") for c in selectors.CLASSES},
                  "category": {c: list_url(scope, "complaints", f"cat_{c}") for c in selectors.CATEGORIES}},
    }
    return {
        "scope": scope, "data": data, "cards": cards, "chart": chart,
        "complaint_rows": (
            [(f"class_{c}", c, data["complaints"]["by_class"][c], data["previous"]["complaints"]["by_class"][c])
             for c in selectors.CLASSES]),
        "category_rows": (
            [(c, complaint_labels[c], data["complaints"]["by_category"][c],
              data["previous"]["complaints"]["by_category"][c]) for c in selectors.CATEGORIES]),
        "complaints_url": list_url(scope, "complaints"),
        "satisfaction_url": list_url(scope, "satisfaction"),
        "satisfaction_registered": satisfaction.registered(),
        "stations": Unit.objects.filter(kind=Unit.Kind.STATION).order_by("name"),
        "regions": Region.objects.order_by("name"),
        "categories": ProductCategory.objects.filter(active=True).order_by("slug"),
        "technicians": Technician.objects.filter(active=True).select_related("user").order_by("user__username"),
    }
