"""CSV and Excel export of the work-order, complaint and return list pages (issue 19
item 6), with the list's own filters and visibility rules (tickets' and
complaints' filtersets and selectors): what the list shows, every page of
it. For supervisors and managers (bulk customer data leaves the product:
the same roles as the measures)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from complaints.api import ComplaintFilter
from complaints.selectors import complaints_visible_to
from returns.selectors import returns_visible_to
from tickets.api import WorkOrderFilter
from tickets.selectors import work_orders_visible_to

from . import listing
from .scope import user_may_see_measures


def _fmt(request) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@login_required
def work_orders_export(request):
    if not user_may_see_measures(request.user):
        raise PermissionDenied
    rows = WorkOrderFilter(request.GET or None, queryset=work_orders_visible_to(request.user)).qs
    return listing.export(rows.order_by("-reported_at", "-id"), "work_order", _fmt(request),
                          f"work-orders-{_stamp()}")


@login_required
def complaints_export(request):
    if not user_may_see_measures(request.user):
        raise PermissionDenied
    rows = ComplaintFilter(request.GET or None, queryset=complaints_visible_to(request.user)).qs
    return listing.export(rows.order_by("-received_at", "-id"), "complaint", _fmt(request),
                          f"complaints-{_stamp()}")


@login_required
def returns_export(request):
    """The returns list's filters (state, requested_by, category: returns.views.requests.return_list)."""
    if not user_may_see_measures(request.user):
        raise PermissionDenied
    rows = returns_visible_to(request.user)
    for name, lookup in (("state", "state"), ("requested_by", "requested_by"), ("category", "product__category__slug")):
        if request.GET.get(name):
            rows = rows.filter(**{lookup: request.GET[name]})
    return listing.export(rows.order_by("-requested_at", "-id"), "return", _fmt(request), f"returns-{_stamp()}")
