"""Pages of returns to the factory and the provinces' return weeks (htmx).
Thin like the API: the API's input serializers validate, the same services
write, the selectors decide who sees and may do what."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ApplicationError

from .. import selectors as sel
from .. import services
from ..api.factory import (
    CheckInput,
    DecideInput,
    FactoryNoteInput,
    FactoryReturnCreateInput,
    ShipInput,
    SpecialApprovalInput,
)
from ..models import FactoryReturn, FactoryReturnItem, ReturnWindow, window_days
from .common import PAGE_SIZE, decorate, domain_error_message, error_messages, flat_errors

FACTORY_LABELS = {
    "create": pgettext_lazy("application", "Filed"),  # as its button says: 提交申请, not a complaint's 登记
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
    return render(request, "returns/factory_list.html", {
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
            errors = flat_errors(data.errors)
    return render(request, "returns/factory_form.html", {
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
    decorate(obj, history, dict(FactoryReturn.State.choices))
    items = list(obj.items.all())
    return {"obj": obj, "window": window, "days": days, "history": history, "items": items,
            "actions": sel.factory_return_actions_for(request.user, obj),
            "item_decisions": FactoryReturnItem.Decision.choices,
            "undecided": [i for i in items if not i.decision]}


@login_required
def factory_return_detail(request, pk):
    return render(request, "returns/factory_detail.html", _factory_context(request, pk))


@login_required
def factory_return_print(request, pk):
    return render(request, "returns/factory_print.html", _factory_context(request, pk))


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
        body["confirm"] = post.get("confirm") == "yes"
    elif action == "decide":
        body["items"] = [{"id": item.pk, "decision": post.get(f"decision_{item.pk}"),
                          "reason": post.get(f"reason_{item.pk}", "")}
                         for item in obj.items.all() if post.get(f"decision_{item.pk}")]
    inputs = {"special-approve": SpecialApprovalInput, "ship": ShipInput, "check": CheckInput, "decide": DecideInput}
    data = inputs.get(action, FactoryNoteInput)(data=body)
    if not data.is_valid():
        error_messages(request, data.errors)
        return redirect("factory-return-detail", pk)
    v = dict(data.validated_data)
    if "items" in v:
        v["items"] = [dict(i) for i in v["items"]]
    try:
        services.FACTORY_SERVICES[action](factory_return_id=obj.pk, by=request.user, **v)
    except ApplicationError as e:
        if e.code == "count_unconfirmed":
            return _confirm_counts(request, pk, e, v["items"])
        domain_error_message(request, e, FACTORY_LABELS.get(action))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": FACTORY_LABELS[action]})
    return redirect("factory-return-detail", pk)


def _confirm_counts(request, pk, error, rows):
    """A count far from the declared quantity is asked again before it is
    recorded (issue 13, item 12): the page comes back with what was typed,
    the far counts marked, and a box to tick to record them as they are."""
    context = _factory_context(request, pk)
    typed = {row["id"]: row for row in rows}
    for item in context["items"]:
        row = typed.get(item.pk, {})
        item.typed_count = row.get("counted_quantity", item.quantity)
        item.typed_condition = row.get("condition", "")
        item.far = services.count_is_far(item.quantity, item.typed_count)
    context.update(confirm_counts=True, count_warning=str(error.message), count_code=error.code)
    return render(request, "returns/factory_detail.html", context, status=400)


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
    return render(request, "returns/windows.html", {
        "weeks": weeks, "month": month, "may_edit": request.user.is_staff,
        "admin_url": reverse("admin:returns_returnwindow_changelist") if request.user.is_staff else "",
    })
