"""The measures page, the lists behind its numbers (with CSV and Excel
export), and the monthly report page (issue 19 items 1-3, 6)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from servicedesk.core.errors import ValidationFailed

from . import listing, periods, selectors
from .definitions import BY_CODE
from .scope import month_scope, scope_from, user_may_see_measures


def _query_without(get, *names) -> str:
    query = get.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _guard(request):
    if not user_may_see_measures(request.user):
        raise PermissionDenied


@login_required
def measures_page(request):
    _guard(request)
    choice = periods.choose(request.GET)
    context = {"choice": choice, "error": None}
    try:
        scope = scope_from(choice.params)
    except ValidationFailed as error:
        context["error"] = error
        return render(request, "measures/page.html", context, status=400)
    context.update(periods.page_context(scope))
    return render(request, "measures/page.html", context)


def _drilldown(request):
    _guard(request)
    code, part = request.GET.get("code", ""), request.GET.get("part", "denominator")
    if code not in BY_CODE and code not in ("complaints", "satisfaction"):
        raise Http404
    try:
        scope = scope_from(request.GET)
    except ValidationFailed as error:
        return None, None, error
    item, rows = selectors.drilldown(code, part, scope)
    return scope, (code, part, item, rows), None


@login_required
def drilldown_page(request):
    scope, found, error = _drilldown(request)
    if error:
        return render(request, "measures/list.html", {"error": error}, status=400)
    code, part, item, rows = found
    columns = listing.COLUMNS[item]
    page = Paginator(rows if rows is not None else [], 50).get_page(request.GET.get("page"))
    if item == "deadline" and rows is not None:
        listing.load_subjects(page.object_list)
    return render(request, "measures/list.html", {
        "scope": scope, "code": code, "part": part, "title": listing.title(code, part),
        "headers": [c.header for c in columns],
        "rows": [(listing.link(item, obj), [c.value(obj) for c in columns]) for obj in page.object_list],
        "page": page, "query": _query_without(request.GET, "page", "format"),
    })


@login_required
def drilldown_export(request):
    scope, found, error = _drilldown(request)
    if error:
        return render(request, "measures/list.html", {"error": error}, status=400)
    code, part, item, rows = found
    fmt = request.GET.get("format", "csv")
    name = f"{code}-{part}-{scope.first}-{scope.last}"
    return listing.export(rows, item, fmt, name)


@login_required
def monthly_page(request):
    _guard(request)
    month = request.GET.get("month") or (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)) \
        .strftime("%Y-%m")
    try:
        scope = month_scope(month, request.GET)
    except ValidationFailed as error:
        return render(request, "measures/monthly.html", {"error": error, "month": month}, status=400)
    report = selectors.monthly_report(scope)
    return render(request, "measures/monthly.html", {"report": report, "month": month, "scope": scope})
