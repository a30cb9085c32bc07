"""Satisfaction scores (seeds/004 顾客意见调查卡: attitude, technical skill,
punctuality, and overall; seeds/003: the survey is mandatory).

The survey is another app's (`aftercare`: a response per order with
attitude, skill, punctuality, overall 1..5, `at`, channel). measures does
not import it: that app hands its responses over here, in its
AppConfig.ready(), the way apps register with the lower registries
(docs/architecture.md, Layers):

    from measures import satisfaction
    satisfaction.register(lambda *, start, end, orders: SurveyResponse.objects.filter(
        at__gte=start, at__lt=end, **({"order__in": orders} if orders is not None else {})))

The provider answers the responses given in [start, end) for the work orders
`orders` (a WorkOrder queryset, or None for all): any queryset whose rows
have the fields (or annotations) attitude, skill, punctuality, overall, at,
and `order_id`. Without a provider, the measures say 0 responses and null
scores (contract: null when no response)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Avg, Count, QuerySet

from tickets.models import WorkOrder

from .scope import Scope
from .subjects import work_orders

SCORES = ("attitude", "skill", "punctuality", "overall")
_provider: list[Callable] = []


def register(provider: Callable) -> None:
    _provider[:] = [provider]


def unregister() -> None:
    _provider.clear()


def registered() -> bool:
    return bool(_provider)


def responses(scope: Scope) -> QuerySet | None:
    """The responses behind the scores (the drill-down list); None without a provider."""
    if not _provider:
        return None
    orders = WorkOrder.objects.filter(work_orders(scope.filters)).values("pk") if scope.filters else None
    return _provider[0](start=scope.start, end=scope.end, orders=orders)


def summary(scope: Scope) -> dict:
    """{"responses", "attitude", "skill", "punctuality", "overall"}: means
    rounded to 2 places, null when there is no response."""
    rows = responses(scope)
    if rows is None:
        return {"responses": 0, **{score: None for score in SCORES}}
    # Aliases apart from the fields' names: a provider may answer them as annotations.
    found = rows.aggregate(n_responses=Count("pk"), **{f"mean_{score}": Avg(score) for score in SCORES})
    means = {s: found[f"mean_{s}"] for s in SCORES}
    return {"responses": found["n_responses"],
            **{s: (round(float(v), 2) if v is not None else None) for s, v in means.items()}}


def spread(scope: Scope) -> dict:
    """How many responses gave each overall score 1..5 (the page's chart)."""
    rows = responses(scope)
    counts = {str(n): 0 for n in range(1, 6)}
    if rows is not None:
        for row in rows.order_by().values("overall").annotate(n=Count("pk")):
            if row["overall"] is not None:
                counts[str(row["overall"])] = row["n"]
    return counts
