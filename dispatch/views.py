"""The board (issue 17), its freshness check, the dispatch it posts (drag and
drop and the keyboard form alike), and the suggestions page. Thin: the
selectors read, tickets.services.work_order_dispatch writes (through
dispatch.services), with the same eligibility rules as everywhere."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.accounts.models import Region
from servicedesk.core.errors import ApplicationError, page_text
from servicedesk.customers.models import ProductCategory
from technicians.models import Technician
from tickets.models import WorkOrder
from tickets.queue import _decorate_deadlines
from tickets.selectors import with_list_relations, work_orders_visible_to

from . import board as board_rows
from . import selectors, services


class BoardQuery(forms.Form):
    date = forms.DateField(required=False)
    view = forms.ChoiceField(choices=[("day", "day"), ("week", "week")], required=False)
    station = forms.IntegerField(required=False, min_value=1)
    category = forms.SlugField(required=False)
    region = forms.CharField(required=False, max_length=40)


class DispatchForm(forms.Form):
    order = forms.IntegerField(label=gettext_lazy("Work order"), min_value=1,
                               error_messages={"required": gettext_lazy("Choose an order.")})
    technician = forms.ModelChoiceField(label=gettext_lazy("Technician"),
                                        queryset=Technician.objects.select_related("user", "station"),
                                        error_messages={"required": gettext_lazy("Choose a technician.")})
    proposed_at = forms.DateTimeField(label=gettext_lazy("Proposed visit"), required=False,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


def _board_query(request):
    query = BoardQuery(request.GET)
    values = query.cleaned_data if query.is_valid() else {}
    if values.get("date") and not 2000 <= values["date"].year <= 2099:
        values["date"] = None  # a day no board has (9999-12-31 would overflow): today's
    return {
        "date": values.get("date") or timezone.localdate(),
        "view": values.get("view") or "day",
        "station": values.get("station"),
        "category": values.get("category") or "",
        "region": values.get("region") or "",
    }


@login_required
def board(request):
    if not selectors.user_may_see_board(request.user):
        raise Forbidden
    q = _board_query(request)
    day = q["date"]
    days = [day] if q["view"] == "day" else [day - datetime.timedelta(days=day.weekday()) + datetime.timedelta(days=i)
                                             for i in range(7)]
    waiting, dispatched = board_rows.dispatchable_orders(request.user)
    for order in waiting:
        _decorate_deadlines(order)
    step = datetime.timedelta(days=1 if q["view"] == "day" else 7)
    return render(request, "dispatch/board.html", {
        "q": q, "days": days, "today": timezone.localdate(),
        "previous": day - step, "next": day + step,
        "rows": board_rows.rows(days=days, station=q["station"], category=q["category"], region=q["region"]),
        "slots": board_rows.slots(day) if q["view"] == "day" else [],
        "waiting": waiting, "dispatched": dispatched,
        "may_dispatch": selectors.user_may_dispatch(request.user),
        "stations": selectors.stations(), "categories": ProductCategory.objects.order_by("slug"),
        "regions": Region.objects.order_by("code"),
        "version": selectors.board_version(),
        "poll_seconds": settings.SERVICEDESK.get("BOARD_POLL_SECONDS", 10),
        "back": request.get_full_path(),
    })


@login_required
def board_version(request):
    """htmx asks every few seconds: an empty answer while nothing changed,
    a full reload (HX-Refresh) once someone else dispatched or edited."""
    if not selectors.user_may_see_board(request.user):
        raise Forbidden
    response = HttpResponse(status=204)
    if request.GET.get("v") != selectors.board_version():
        response["HX-Refresh"] = "true"
    return response


def _back(request, default):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
@require_POST
def board_dispatch(request):
    """The drop of an order onto a technician (or a time of their row), and
    the keyboard form: both post here."""
    if not selectors.user_may_dispatch(request.user):
        raise Forbidden
    back = _back(request, reverse("dispatch-board"))
    form = DispatchForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label or field}: {' '.join(errors)}"
                           if field in form.fields else " ".join(errors))
        return redirect(back)
    v = form.cleaned_data
    order = get_object_or_404(work_orders_visible_to(request.user), pk=v["order"])
    proposed = v.get("proposed_at")
    if proposed is not None and timezone.is_naive(proposed):
        proposed = timezone.make_aware(proposed, timezone.get_current_timezone())
    try:
        result = services.dispatch_from_board(order_id=order.pk, technician=v["technician"], by=request.user,
                                              proposed_at=proposed)
    except ApplicationError as exc:
        messages.error(request, page_text(exc, _("Dispatch")))
        return redirect(back)
    text = _("Work order %(number)s dispatched to %(name)s.") % {"number": result.number,
                                                                "name": v["technician"]}
    if proposed is not None:
        text += " " + _("Proposed visit: %(time)s.") % {"time": timezone.localtime(proposed).strftime("%m-%d %H:%M")}
    messages.success(request, text)
    return redirect(back)


@login_required
def suggestions(request, pk):
    if not selectors.user_may_dispatch(request.user):
        raise Forbidden
    order = get_object_or_404(with_list_relations(work_orders_visible_to(request.user)), pk=pk)
    _decorate_deadlines(order)
    ranked = selectors.suggestions(order=order)
    return render(request, "dispatch/suggestions.html", {
        "order": order, "suggestions": ranked,
        "dispatchable": order.state in (WorkOrder.State.RECEIVED, WorkOrder.State.DISPATCHED),
        "back": request.get_full_path(),
    })


@login_required
@require_POST
def suggestions_dispatch_first(request, pk):
    if not selectors.user_may_dispatch(request.user):
        raise Forbidden
    order = get_object_or_404(with_list_relations(work_orders_visible_to(request.user)), pk=pk)
    try:
        result = services.dispatch_first_suggestion(order=order, by=request.user)
    except ApplicationError as exc:
        messages.error(request, page_text(exc, _("Dispatch")))
        return redirect("dispatch-suggestions", pk=order.pk)
    messages.success(request, _("Work order %(number)s dispatched to %(name)s.") % {
        "number": result.number, "name": result.technician})
    return redirect("work-order-detail", pk=order.pk)
