"""The complaint lists: everything this user may see with filters, a
handling unit's queue, and the supervisors' overview."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from servicedesk.accounts.roles import Role
from servicedesk.core.labels import kind_label
from servicedesk.core.phone import normalize_phone

from .. import selectors
from ..api import ComplaintFilter
from ..models import Complaint
from .common import PAGE_SIZE, decorate, overdue

QUEUE_LIMIT = 200
# The loop steps of seeds/000 (and the 30-minute feedback to sales of seeds/002), in their order.
LOOP_STEPS = ["register", "reply", "overall", "return_visit", "acknowledge"]


def _search(value):
    condition = Q(number__iexact=value) | Q(customer__name__icontains=value)
    number = normalize_phone(value)
    if len(number) >= 7:
        condition |= Q(customer__phones__number=number)
    return condition


@login_required
def complaint_list(request):
    user = request.user
    if not selectors.user_may_read_complaints(user):
        raise Forbidden
    filterset = ComplaintFilter(request.GET or None, queryset=selectors.complaints_visible_to(user))
    complaints = filterset.qs
    q = request.GET.get("q", "").strip()
    if q:
        complaints = complaints.filter(_search(q)).distinct()
    complaints = selectors.with_list_relations(complaints).annotate(overdue=overdue())
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    for complaint in page:
        decorate(request, complaint)
    customer_id = request.GET.get("customer", "")
    customer = None
    if customer_id.isdigit():
        # Named only from a complaint this user may see.
        customer = next((c.customer for c in page if c.customer_id == int(customer_id)), None)
    selected = {key: request.GET.get(key, "") for key in ("state", "category", "complaint_class", "overdue", "q",
                                                          "customer")}
    return render(request, "complaints/complaint_list.html", {
        "page": page,
        "states": Complaint.State.choices,
        "categories": Complaint.Category.choices,
        "classes": [1, 2, 3],
        "selected": selected,
        "filtered": any(selected.values()),
        "customer_id": customer_id if customer_id.isdigit() else "",
        "customer": customer,
        "may_create": selectors.user_may_create_complaints(user),
        "tab": "list",
    })


@login_required
def complaint_queue(request):
    user = request.user
    if not selectors.may_see_queue(user):
        raise Forbidden
    units, unit = None, None
    if user.has_role(Role.HANDLER) and user.unit_id:
        unit = user.unit
    else:
        # Supervisors and managers look at any unit's queue.
        units = list(selectors.forward_targets().order_by("kind", "name"))
        chosen = request.GET.get("unit", "")
        unit = next((u for u in units if str(u.pk) == chosen), None)
    complaints = []
    if unit is not None:
        complaints = list(selectors.with_list_relations(selectors.unit_queue(unit.pk))[:QUEUE_LIMIT])
        for complaint in complaints:
            decorate(request, complaint)
    return render(request, "complaints/complaint_queue.html", {
        "unit": unit, "units": units, "complaints": complaints, "tab": "queue",
    })


@login_required
def complaint_overview(request):
    if not selectors.may_see_overview(request.user):
        raise Forbidden
    data = selectors.overview()
    counts = {(r["complaint_class"], r["category"]): r["n"] for r in data["by_class_category"]}
    categories = Complaint.Category.choices
    matrix = []
    for level in (1, 2, 3):
        cells = [counts.get((level, value), 0) for value, _label in categories]
        matrix.append({"level": level, "cells": cells, "total": sum(cells)})
    column_totals = [sum(row["cells"][i] for row in matrix) for i in range(len(categories))]
    found = {r["kind"]: r for r in data["steps"]}
    steps = [{"kind": kind, "label": kind_label(kind), **found.get(kind, {"total": 0, "on_time": 0, "rate": None})}
             for kind in LOOP_STEPS]
    for complaint in data["class3_open"]:
        decorate(request, complaint)
    return render(request, "complaints/complaint_overview.html", {
        "categories": categories, "matrix": matrix, "column_totals": column_totals, "open_total": data["open_total"],
        "steps": steps, "class3": data["class3_open"], "tab": "overview",
    })
