"""Pages of returns and factory returns (htmx). Thin like the API: the API's
input serializers validate, the same services write, the selectors decide
who sees and may do what."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ApplicationError, page_text
from servicedesk.customers.models import ProductCategory
from servicedesk.customers.selectors import phone_policy_for, show_as_sent

from ..api.returns import (
    AssignInput, AssessInput, CheckInput, DecideInput, FactoryNoteInput, FactoryReturnCreateInput, ReturnCreateInput,
    ReturnNoteInput, ShipInput, SpecialApprovalInput, VisitInput,
)
from ..models import (
    FactoryReturn, FactoryReturnItem, RequestedBy, ReturnRequest, ReturnWindow, window_days,
)
from ..selectors import returns as sel
from ..services import returns as services

PAGE_SIZE = 25

RETURN_LABELS = {
    "create": gettext_lazy("Recorded"),
    "assess": gettext_lazy("Assess"),
    "visit": gettext_lazy("Technician's visit"),
    "assign": gettext_lazy("Technician sent on site"),
    "propose-exchange": gettext_lazy("Exchange proposed"),
    "accept-exchange": gettext_lazy("Customer accepts the exchange"),
    "fulfil": gettext_lazy("Fulfil"),
    "close": gettext_lazy("Close"),
}
DEADLINE_LABELS = {
    "repair": gettext_lazy("Depot repair (3 days)"),
    "batch_visit": gettext_lazy("Technician on site (2 days)"),
    "check": gettext_lazy("Logistics check (1 working day)"),
    "decide": gettext_lazy("Decisions (3 working days)"),
}


def _decorate(obj, history, states):
    """Label the prefetched deadlines and the history's states for the page."""
    from tickets.views import duration_text

    for d in obj.deadlines.all():
        d.label = DEADLINE_LABELS.get(d.kind, d.kind)
        d.countdown = duration_text(d.seconds_left)
    for h in history:
        h.from_state = states.get(h.from_state, h.from_state)
        h.to_state = states.get(h.to_state, h.to_state)


FACTORY_LABELS = {
    "create": gettext_lazy("Filed"),
    "sign": gettext_lazy("Sign (office or regional manager)"),
    "approve": gettext_lazy("Approve (customer service)"),
    "special-approve": gettext_lazy("Special approval"),
    "roll-over": gettext_lazy("Rolled over to next month"),
    "ship": gettext_lazy("Ship"),
    "arrive": gettext_lazy("Arrived at the factory"),
    "check": gettext_lazy("Check count and condition"),
    "decide": gettext_lazy("Decide items"),
    "close": gettext_lazy("Close"),
}


def _flat_errors(errors, prefix=""):
    """DRF's nested errors as {"field.sub": ["message"]} for the pages."""
    out = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            out.update(_flat_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, list) and errors and all(isinstance(e, (dict, list)) for e in errors):
        for i, value in enumerate(errors):
            out.update(_flat_errors(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "form"] = [str(e) for e in (errors if isinstance(errors, list) else [errors])]
    return out


def _error_messages(request, errors):
    for field, msgs in _flat_errors(errors).items():
        label = "" if field in ("form", "detail", "non_field_errors") else f"{field}: "
        for m in msgs:
            messages.error(request, f"{label}{m}")


# --- returns -------------------------------------------------------------------------


def _may_read_returns(request):
    if not sel.user_may_read_returns(request.user):
        raise Forbidden


@login_required
def return_list(request):
    _may_read_returns(request)
    qs = sel.returns_with_relations(sel.returns_visible_to(request.user))
    selected = {k: request.GET.get(k, "") for k in ("state", "requested_by", "category")}
    if selected["state"]:
        qs = qs.filter(state=selected["state"])
    if selected["requested_by"]:
        qs = qs.filter(requested_by=selected["requested_by"])
    if selected["category"]:
        qs = qs.filter(product__category__slug=selected["category"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page:
        show_as_sent(phone_policy_for(request), r)  # a partner sees the customer as it sent it
    return render(request, "billing/returns/list.html", {
        "page": page, "selected": selected, "filtered": any(selected.values()),
        "states": ReturnRequest.State.choices, "requesters": RequestedBy.choices,
        "categories": ProductCategory.objects.filter(active=True).values_list("slug", "name"),
        "may_create": sel.user_may_create_returns(request.user),
    })


@login_required
def return_new(request):
    if not sel.user_may_create_returns(request.user):
        raise Forbidden
    values, errors = {}, {}
    if request.method == "POST":
        values = request.POST.dict()
        product = {k: values.get(k, "") for k in ("category", "model", "serial", "proof_of_purchase")}
        for k in ("purchase_date", "manufactured_on"):
            if values.get(k):
                product[k] = values[k]
        body = {
            "customer": {"name": values.get("name", ""), "phone": values.get("phone", ""),
                         "address": values.get("address", "")},
            "product": product, "requested_by": values.get("requested_by", ""), "reason": values.get("reason", ""),
            "batch": values.get("batch") == "on", "batch_code": values.get("batch_code", ""),
            "quantity": values.get("quantity") or 1,
        }
        data = ReturnCreateInput(data=body)
        if data.is_valid():
            v = dict(data.validated_data)
            v["product"] = dict(v["product"])
            try:
                obj = services.return_create(by=request.user, **v)
            except ApplicationError as e:
                errors = {e.field or "form": [str(e.message)]}
            else:
                messages.success(request, _("Return %(number)s recorded.") % {"number": obj.number})
                return redirect("return-detail", obj.pk)
        else:
            errors = _flat_errors(data.errors)
    return render(request, "billing/returns/form.html", {
        "values": values, "errors": errors, "requesters": RequestedBy.choices,
        "categories": ProductCategory.objects.filter(active=True).values_list("slug", "name"),
    }, status=400 if errors else 200)


@login_required
def return_detail(request, pk):
    _may_read_returns(request)
    obj = get_object_or_404(sel.returns_with_relations(sel.returns_visible_to(request.user)), pk=pk)
    history = list(sel.return_history(obj))
    for h in history:
        h.label = RETURN_LABELS.get(h.action, h.action)
    _decorate(obj, history, dict(ReturnRequest.State.choices))
    show_as_sent(phone_policy_for(request), obj)
    rules = sel.finding_rules(obj.product.category.slug)
    labels = {r.finding: r.label for r in rules}
    return render(request, "billing/returns/detail.html", {
        "obj": obj, "actions": sel.return_actions_for(request.user, obj), "history": history,
        "finding_rules": rules,
        "technicians": sel.technicians_for_return(obj) if "assign" in sel.return_actions_for(request.user, obj) else [],
        "findings": [(labels.get(name, name), value) for name, value in (obj.findings or {}).items()],
    })


RETURN_INPUTS = {"assess": AssessInput, "visit": VisitInput, "assign": AssignInput, "accept-exchange": ReturnNoteInput,
                 "fulfil": ReturnNoteInput, "close": ReturnNoteInput}


@login_required
@require_POST
def return_action(request, pk, action):
    _may_read_returns(request)
    if action not in RETURN_INPUTS:
        raise Forbidden
    obj = get_object_or_404(sel.returns_visible_to(request.user).select_related("product__category"), pk=pk)
    body = {"note": request.POST.get("note", "")}
    if action == "assess":
        body["findings"] = {r.finding: request.POST.get(f"finding_{r.finding}") == "on"
                            for r in sel.finding_rules(obj.product.category.slug)}
    if action == "visit":
        body["confirmed"] = request.POST.get("confirmed") == "yes"
    if action == "assign":
        body["technician"] = request.POST.get("technician", "")
    data = RETURN_INPUTS[action](data=body)
    if not data.is_valid():
        _error_messages(request, data.errors)
        return redirect("return-detail", pk)
    try:
        obj = services.RETURN_SERVICES[action](return_id=obj.pk, by=request.user, **data.validated_data)
    except ApplicationError as e:
        messages.error(request, page_text(e, RETURN_LABELS.get(action)))
    else:
        if action in ("assess", "visit"):
            messages.success(request, _("Decision: %(decision)s. %(reason)s") % {
                "decision": obj.get_decision_display(), "reason": obj.reason_told})
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": RETURN_LABELS[action]})
    return redirect("return-detail", pk)


# --- factory returns -----------------------------------------------------------------


def _may_read_factory(request):
    if not sel.user_may_read_factory_returns(request.user):
        raise Forbidden


def _month(value):
    try:
        return datetime.date.fromisoformat(value + "-01" if len(value) == 7 else value).replace(day=1)
    except (TypeError, ValueError):
        return None


@login_required
def factory_return_list(request):
    _may_read_factory(request)
    qs = sel.factory_returns_with_relations(sel.factory_returns_visible_to(request.user))
    selected = {k: request.GET.get(k, "") for k in ("office", "month", "state")}
    if selected["office"].isdigit():
        qs = qs.filter(office_id=int(selected["office"]))
    month = _month(selected["month"])
    if month:
        qs = qs.filter(month=month)
    if selected["state"]:
        qs = qs.filter(state=selected["state"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    offices = {fr.office for fr in qs[:200]} | set(sel.offices_for(request.user))
    return render(request, "billing/returns/factory_list.html", {
        "page": page, "selected": selected, "filtered": any(selected.values()),
        "offices": sorted(offices, key=lambda u: u.name), "states": FactoryReturn.State.choices,
        "may_create": sel.offices_for(request.user).exists(),
    })


ITEM_ROWS = 6


@login_required
def factory_return_new(request):
    offices = sel.offices_for(request.user)
    if not offices.exists():
        raise Forbidden
    values, errors = {}, {}
    if request.method == "POST":
        values = request.POST.dict()
        items = []
        for i in range(ITEM_ROWS):
            row = {k: request.POST.get(f"{k}_{i}", "").strip() for k in ("description", "model", "quantity", "reason")}
            if any(row.values()):
                items.append(row)
        body = {"office": values.get("office"), "note": values.get("note", ""), "items": items}
        if values.get("month"):
            body["month"] = values["month"] + "-01" if len(values["month"]) == 7 else values["month"]
        data = FactoryReturnCreateInput(data=body)
        if data.is_valid():
            v = dict(data.validated_data)
            v["items"] = [dict(i) for i in v["items"]]
            try:
                obj = services.factory_return_create(by=request.user, **v)
            except ApplicationError as e:
                errors = {e.field or "form": [str(e.message)]}
            else:
                messages.success(request, _("Return application %(number)s filed.") % {"number": obj.number})
                return redirect("factory-return-detail", obj.pk)
        else:
            errors = _flat_errors(data.errors)
    return render(request, "billing/returns/factory_form.html", {
        "values": values, "errors": errors, "offices": offices, "rows": range(ITEM_ROWS),
        "this_month": timezone.localdate().strftime("%Y-%m"),
    }, status=400 if errors else 200)


def _factory_context(request, pk):
    _may_read_factory(request)
    obj = get_object_or_404(sel.factory_returns_with_relations(sel.factory_returns_visible_to(request.user)), pk=pk)
    window = obj.window()
    days = window_days(obj.month, window.week) if window else None
    history = list(sel.factory_return_history(obj))
    for h in history:
        h.label = FACTORY_LABELS.get(h.action, h.action)
    _decorate(obj, history, dict(FactoryReturn.State.choices))
    items = list(obj.items.all())
    return {"obj": obj, "window": window, "days": days, "history": history, "items": items,
            "actions": sel.factory_return_actions_for(request.user, obj),
            "item_decisions": FactoryReturnItem.Decision.choices,
            "undecided": [i for i in items if not i.decision]}


@login_required
def factory_return_detail(request, pk):
    return render(request, "billing/returns/factory_detail.html", _factory_context(request, pk))


@login_required
def factory_return_print(request, pk):
    return render(request, "billing/returns/factory_print.html", _factory_context(request, pk))


@login_required
@require_POST
def factory_return_action(request, pk, action):
    _may_read_factory(request)
    if action not in services.FACTORY_SERVICES:
        raise Forbidden
    obj = get_object_or_404(sel.factory_returns_visible_to(request.user), pk=pk)
    post = request.POST
    body = {"note": post.get("note", "")}
    if action == "special-approve":
        body = {"reason": post.get("reason", "")}
    elif action == "ship":
        body["waybill"] = post.get("waybill", "")
    elif action == "check":
        body["items"] = [{"id": item.pk, "counted_quantity": post.get(f"counted_{item.pk}", ""),
                          "condition": post.get(f"condition_{item.pk}", "")} for item in obj.items.all()]
    elif action == "decide":
        body["items"] = [{"id": item.pk, "decision": post.get(f"decision_{item.pk}"),
                          "reason": post.get(f"reason_{item.pk}", "")}
                         for item in obj.items.all() if post.get(f"decision_{item.pk}")]
    inputs = {"special-approve": SpecialApprovalInput, "ship": ShipInput, "check": CheckInput, "decide": DecideInput}
    data = inputs.get(action, FactoryNoteInput)(data=body)
    if not data.is_valid():
        _error_messages(request, data.errors)
        return redirect("factory-return-detail", pk)
    v = dict(data.validated_data)
    if "items" in v:
        v["items"] = [dict(i) for i in v["items"]]
    try:
        services.FACTORY_SERVICES[action](factory_return_id=obj.pk, by=request.user, **v)
    except ApplicationError as e:
        messages.error(request, page_text(e, FACTORY_LABELS.get(action)))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": FACTORY_LABELS[action]})
    return redirect("factory-return-detail", pk)


@login_required
def return_windows(request):
    windows = ReturnWindow.objects.all()
    today = timezone.localdate()
    month = today.replace(day=1)
    weeks = []
    for week in (1, 2, 3, 4):
        places = [w for w in windows if w.week == week]
        if places:
            first, last = window_days(month, week)
            weeks.append({"week": week, "places": places, "first": first, "last": last,
                          "current": first <= today <= last})
    return render(request, "billing/returns/windows.html", {
        "weeks": weeks, "month": month, "may_edit": request.user.is_staff,
        "admin_url": reverse("admin:billing_returnwindow_changelist") if request.user.is_staff else "",
    })


urlpatterns = [
    path("returns/", return_list, name="return-list"),
    path("returns/new/", return_new, name="return-new"),
    path("returns/<int:pk>/", return_detail, name="return-detail"),
    path("returns/<int:pk>/actions/<str:action>/", return_action, name="return-action"),
    path("factory-returns/", factory_return_list, name="factory-return-list"),
    path("factory-returns/new/", factory_return_new, name="factory-return-new"),
    path("factory-returns/windows/", return_windows, name="return-windows"),
    path("factory-returns/<int:pk>/", factory_return_detail, name="factory-return-detail"),
    path("factory-returns/<int:pk>/print/", factory_return_print, name="factory-return-print"),
    path("factory-returns/<int:pk>/actions/<str:action>/", factory_return_action, name="factory-return-action"),
]
