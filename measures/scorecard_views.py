"""Technician scorecards (issue 19 item 4): the month's list with score and
grade, and one technician's card with the formula, the rewards and
penalties recorded and the form to record one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.errors import ValidationFailed
from technicians.models import Technician

from . import scorecards, services
from .models import ScorecardEntry
from .scope import month_scope, user_may_see_measures


def _scope(request):
    default = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).strftime("%Y-%m")
    month = request.GET.get("month") or request.POST.get("month") or default
    return month, month_scope(month)


@login_required
def scorecard_list(request):
    if not user_may_see_measures(request.user):
        raise PermissionDenied
    try:
        month, scope = _scope(request)
    except ValidationFailed as error:
        return render(request, "measures/scorecards.html", {"error": error}, status=400)
    cards = [scorecards.scorecard(t, scope)
             for t in Technician.objects.filter(active=True).select_related("user", "station")
             .order_by("user__username")]
    return render(request, "measures/scorecards.html", {"month": month, "cards": cards,
                                                        "grades": scorecards.grades()})


@login_required
def scorecard_detail(request, pk):
    if not user_may_see_measures(request.user):
        raise PermissionDenied
    technician = get_object_or_404(Technician.objects.select_related("user", "station"), pk=pk)
    try:
        month, scope = _scope(request)
    except ValidationFailed as error:
        return render(request, "measures/scorecards.html", {"error": error}, status=400)
    errors = {}
    if request.method == "POST":
        try:
            services.scorecard_entry_record(technician=technician, month=scope.first, by=request.user,
                                            kind=request.POST.get("kind", ""), amount=request.POST.get("amount"),
                                            reason=request.POST.get("reason", ""))
        except ValidationFailed as error:
            errors[error.field] = error.message
        else:
            messages.success(request, _("Recorded."))
            return redirect(reverse("scorecard-detail", args=[pk]) + f"?month={month}")
    entries = ScorecardEntry.objects.filter(technician=technician).select_related("by")[:100]
    return render(request, "measures/scorecard.html", {
        "month": month, "card": scorecards.scorecard(technician, scope), "entries": entries,
        "kinds": ScorecardEntry.Kind.choices, "errors": errors, "posted": request.POST,
        "grades": scorecards.grades(),
    }, status=400 if errors else 200)
