"""Staff pages after the visit: the agents' survey calls, the supervisor's
low-score follow-ups, the dispatchers' list of customers' requests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ApplicationError, page_text

from . import selectors, services
from .customer_page import _item_labels
from .models import ITEMS, AppointmentRequest, LowScoreFollowUp, SurveyCall, SurveyCallAttempt


def _require(allowed, user):
    if not allowed(user):
        raise DjangoPermissionDenied


@login_required
def survey_calls(request):
    _require(selectors.may_work_survey_queue, request.user)
    upcoming = request.GET.get("upcoming") == "1"
    labels = _item_labels()
    return render(request, "aftercare/survey_calls.html", {
        "calls": selectors.survey_calls_today(upcoming=upcoming), "upcoming": upcoming,
        "items": [(item, labels[item]) for item in ITEMS], "outcomes": SurveyCallAttempt.Outcome.choices,
    })


@login_required
@require_POST
def survey_call_record(request, pk):
    _require(selectors.may_work_survey_queue, request.user)
    call = get_object_or_404(SurveyCall.objects.select_related("order"), pk=pk)
    outcome = request.POST.get("outcome", "")
    scores = {item: request.POST.get(item, "") for item in ITEMS}
    try:
        result = services.survey_call_record(call_id=call.pk, by=request.user, outcome=outcome,
                                             note=request.POST.get("comment", ""), **scores)
    except ApplicationError as exc:
        messages.error(request, f"{call.order.number}: {page_text(exc)}", extra_tags=f"code-{exc.code}")
    else:
        messages.success(request, _("%(number)s: %(state)s (attempt %(n)d).") % {
            "number": call.order.number, "state": result.get_state_display(), "n": result.attempts})
    return redirect("aftercare-survey-calls")


@login_required
def follow_ups(request):
    _require(selectors.may_follow_up, request.user)
    labels = _item_labels()
    rows = list(selectors.open_follow_ups())
    for row in rows:
        row.scores = [(labels[item], getattr(row.survey, item)) for item in ITEMS]
    return render(request, "aftercare/follow_ups.html", {"follow_ups": rows})


@login_required
@require_POST
def follow_up_action(request, pk, action):
    _require(selectors.may_follow_up, request.user)
    follow_up = get_object_or_404(LowScoreFollowUp.objects.select_related("survey__order"), pk=pk)
    number = follow_up.survey.order.number
    try:
        if action == "complain":
            done = services.follow_up_complain(follow_up_id=pk, by=request.user)
            messages.success(request, _("Complaint %(complaint)s filed for %(number)s.") % {
                "complaint": done.complaint.number, "number": number})
        elif action == "done":
            services.follow_up_done(follow_up_id=pk, by=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("%(number)s: followed up.") % {"number": number})
        else:
            raise DjangoPermissionDenied
    except ApplicationError as exc:
        messages.error(request, f"{number}: {page_text(exc)}", extra_tags=f"code-{exc.code}")
    return redirect("aftercare-follow-ups")


@login_required
def customer_requests(request):
    _require(selectors.may_see_requests, request.user)
    return render(request, "aftercare/customer_requests.html", {"rows": selectors.open_requests()})


@login_required
@require_POST
def customer_request_handled(request, pk):
    _require(selectors.may_see_requests, request.user)
    row = get_object_or_404(AppointmentRequest.objects.select_related("order"), pk=pk)
    services.appointment_request_handle(request_id=row.pk, by=request.user)
    messages.success(request, _("%(number)s: the request is handled.") % {"number": row.order.number})
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("aftercare-customer-requests")
