"""The dispatcher's queue (issue 5, item 3): orders waiting for a technician,
emergencies first (seeds/001: on site within 30 minutes of the alarm), then
the rest by their arrival deadline, each with its clock counting down. The
order list can filter "received" but sorts by report time; a dispatcher on
emergency duty needs the most urgent order on top, so this page sorts by
urgency. Reads go through tickets.selectors like every page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import Case, F, IntegerField, Min, Q, Value, When
from django.shortcuts import render

from servicedesk.core.pages import is_htmx
from servicedesk.customers.selectors import phone_policy_for

from . import selectors
from .models import WorkOrder
from .views import _decorate_deadlines

QUEUE_LIMIT = 200
def dispatch_queue_orders(user):
    """Received orders, emergencies first, then by the nearest open deadline."""
    open_deadline = Q(deadlines__met_at__isnull=True, deadlines__cancelled_at__isnull=True)
    orders = (
        selectors.work_orders_visible_to(user)
        .filter(state=WorkOrder.State.RECEIVED)
        .annotate(
            urgent=Case(When(kind=WorkOrder.Kind.EMERGENCY, then=Value(0)), default=Value(1),
                        output_field=IntegerField()),
            next_due=Min("deadlines__due_at", filter=open_deadline),
        )
        .order_by("urgent", F("next_due").asc(nulls_last=True), "reported_at", "id")
    )
    return selectors.with_list_relations(orders)[:QUEUE_LIMIT]


@login_required
def dispatch_queue(request):
    if not selectors.user_may_see_dispatch_queue(request.user):
        raise Forbidden
    orders = list(dispatch_queue_orders(request.user))
    for order in orders:
        _decorate_deadlines(order)
        order.phone = phone_policy_for(request).first_phone(order.customer)
    template = "tickets/_dispatch_queue_rows.html" if is_htmx(request) else "tickets/dispatch_queue.html"
    return render(request, template, {"orders": orders,
                                      "emergencies": sum(1 for o in orders if o.kind == WorkOrder.Kind.EMERGENCY)})
