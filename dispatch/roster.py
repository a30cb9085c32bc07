"""The roster page (working hours, leave and exceptions, the day's emergency
duty; dispatchers and supervisors) and the director's queue of installations
awaiting approval (supervisors and managers). Thin: forms parse, the
services in dispatch.services write."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.accounts.models import Unit
from servicedesk.core.errors import ApplicationError, page_text
from technicians.models import Technician
from tickets.selectors import work_orders_visible_to

from . import selectors, services
from .models import Duty, ShiftException, Weekday, WorkingHours

ROSTER_DAYS = 14

_techs = Technician.objects.filter(active=True).select_related("user", "station")


class HoursForm(forms.Form):
    technician = forms.ModelChoiceField(label=gettext_lazy("Technician"), queryset=_techs)
    weekday = forms.TypedChoiceField(label=gettext_lazy("Weekday"), choices=Weekday.choices, coerce=int)
    start = forms.TimeField(label=gettext_lazy("From"))
    end = forms.TimeField(label=gettext_lazy("Until"))


class ExceptionForm(forms.Form):
    technician = forms.ModelChoiceField(label=gettext_lazy("Technician"), queryset=_techs)
    date = forms.DateField(label=gettext_lazy("Date"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ShiftException.Kind.choices)
    start = forms.TimeField(label=gettext_lazy("From"), required=False)
    end = forms.TimeField(label=gettext_lazy("Until"), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)


class DutyForm(forms.Form):
    station = forms.ModelChoiceField(label=gettext_lazy("Station"),
                                     queryset=Unit.objects.filter(kind=Unit.Kind.STATION))
    date = forms.DateField(label=gettext_lazy("Date"))
    technician = forms.ModelChoiceField(label=gettext_lazy("Technician"), queryset=_techs)


FORMS = {"hours": HoursForm, "exception": ExceptionForm, "duty": DutyForm}


def _may_edit(request):
    if not selectors.user_may_edit_roster(request.user):
        raise Forbidden


@login_required
def roster(request):
    _may_edit(request)
    today = timezone.localdate()
    days = [today + datetime.timedelta(days=i) for i in range(ROSTER_DAYS)]
    stations = list(selectors.stations())
    techs = list(_techs.order_by("station__name", "user__username"))
    duties = {(d.station_id, d.date): d for d in Duty.objects.filter(date__in=days).select_related("technician__user")}
    hours = {}
    for row in WorkingHours.objects.filter(technician__in=techs):
        hours.setdefault((row.technician_id, row.weekday), []).append(row)
    return render(request, "dispatch/roster.html", {
        "stations": [{"station": s, "technicians": [t for t in techs if t.station_id == s.pk]} for s in stations],
        "days": [{"day": d, "cells": [{"station": s, "duty": duties.get((s.pk, d)),
                                       "technicians": [t for t in techs if t.station_id == s.pk]}
                                      for s in stations]} for d in days],
        "weekdays": Weekday.choices,
        "technicians": [{"technician": t, "hours": [hours.get((t.pk, w), []) for w, _label in Weekday.choices]}
                        for t in techs],
        "all_technicians": techs,
        "exceptions": ShiftException.objects.filter(date__gte=today).select_related("technician__user")[:200],
        "kinds": ShiftException.Kind.choices,
    })


@login_required
@require_POST
def roster_edit(request, what):
    """Add hours, add an exception, set the duty (the forms of the page)."""
    _may_edit(request)
    if what not in FORMS:
        raise Forbidden
    form = FORMS[what](request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect("dispatch-roster")
    v = form.cleaned_data
    try:
        if what == "hours":
            services.working_hours_add(by=request.user, **v)
        elif what == "exception":
            services.shift_exception_add(by=request.user, **v)
        else:
            services.duty_set(by=request.user, **v)
    except ApplicationError as exc:
        label = form.fields[exc.field].label if exc.field in form.fields else ""
        messages.error(request, f"{label}: {exc.message}" if label else str(exc.message))
        return redirect("dispatch-roster")
    messages.success(request, _("Saved."))
    return redirect("dispatch-roster")


@login_required
@require_POST
def roster_delete(request, what, pk):
    _may_edit(request)
    if what == "hours":
        services.working_hours_delete(by=request.user, pk=pk)
    elif what == "exception":
        services.shift_exception_delete(by=request.user, pk=pk)
    else:
        raise Forbidden
    messages.success(request, _("Removed."))
    return redirect("dispatch-roster")


@login_required
def approvals(request):
    """The director's queue: installations waiting for approval (seeds/002)."""
    if not selectors.user_may_approve(request.user):
        raise Forbidden
    return render(request, "dispatch/approvals.html", {"orders": selectors.awaiting_approval()})


@login_required
@require_POST
def approve(request, pk):
    if not selectors.user_may_approve(request.user):
        raise Forbidden
    order = get_object_or_404(work_orders_visible_to(request.user), pk=pk)
    try:
        result = services.work_order_approve(order_id=order.pk, by=request.user, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, page_text(exc, _("Approve")))
    else:
        messages.success(request, _("Installation %(number)s approved: it waits for dispatch now.") % {
            "number": result.number})
    target = request.POST.get("from")
    if target == "order":
        return redirect(reverse("work-order-detail", args=[order.pk]))
    return redirect(reverse("dispatch-approvals"))
