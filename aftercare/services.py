"""Writes after the visit (issue 15). Each locks the work order's row first
(the order in which tickets' own actions take their locks: the order, then
its deadlines), so two answers at once meet one winner and one 409."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from complaints.models import Complaint
from complaints.services import complaint_create
from servicedesk.accounts.roles import Role
from servicedesk.accounts.selectors import users_with_role
from servicedesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from servicedesk.deadlines.calendar import add_working_days
from servicedesk.deadlines.services import deadline_cancel_open, deadline_meet, deadline_start
from servicedesk.notifications.services import notifications_create
from servicedesk.notifications.titles import Title
from tickets.models import WorkOrder

from .models import (
    ITEMS,
    AppointmentRequest,
    FollowUpOutcome,
    LowScoreFollowUp,
    Survey,
    SurveyCall,
    SurveyCallAttempt,
)
from .selectors import SURVEYABLE

SURVEY_ROLES = {Role.AGENT, Role.SUPERVISOR}
FOLLOW_UP_ROLES = {Role.SUPERVISOR}


def survey_due(signed_off_at: datetime.datetime) -> datetime.datetime:
    """api-contract, Satisfaction: 23:59:59 local time on the calendar day
    after the sign-off (seeds/004: the satisfaction call the next day)."""
    day = timezone.localdate(signed_off_at) + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def on_sign_off(order, at, by, extra):
    """tickets.hooks effect of `sign-off`: the survey deadline and the call, in the action's transaction."""
    due = survey_due(at)
    deadline_start(subject=order, kind="survey", start=at, due_at=due)
    SurveyCall.objects.create(order=order, opened_at=at, due_at=due)


def on_close(order, at, by, extra):
    """tickets.hooks effect of `close`: the follow-up's outcome, when given (seeds/002: within a week)."""
    outcome = extra.get("follow_up_outcome")
    if outcome:
        # The close's own note (its history row, written before the effects) says what the customer said.
        note = order.events.filter(action="close").order_by("-id").values_list("note", flat=True).first() or ""
        FollowUpOutcome.objects.create(order=order, outcome=outcome, note=note, at=at, by=by)


def _locked_order(order_id) -> WorkOrder:
    return WorkOrder.objects.select_for_update(of=("self",)).select_related("owner").get(pk=order_id)


def _refuse(order, code, message):
    refusal = InvalidTransition(action="survey", state=order.state, state_label=order.get_state_display(),
                                allowed=[])
    refusal.message, refusal.code = message, code
    return refusal


def _scores(values: dict) -> dict:
    scores = {}
    for item in ITEMS:
        value = values.get(item)
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = None
        if value is None or not 1 <= value <= 5:
            raise ValidationFailed(_("A score from 1 to 5."), field=item)
        scores[item] = value
    return scores


def survey_submit(*, order_id, by, channel, comment="", **values) -> Survey:
    """The customer's answers, by an agent or supervisor on the phone or by
    the customer through the link (by None). Meets the `survey` deadline; a
    second survey of the order is a 409 (contract: Satisfaction)."""
    if channel not in Survey.Channel.values:
        raise ValidationFailed(_("Give phone or link."), field="channel")
    if by is not None and not by.has_role(*SURVEY_ROLES):
        raise PermissionDenied(_("Only agents and supervisors record surveys."))
    scores = _scores(values)
    comment = (comment or "").strip()
    try:
        with transaction.atomic():
            order = _locked_order(order_id)
            if order.state not in SURVEYABLE:
                raise _refuse(order, "invalid_transition", _("The survey follows the sign-off."))
            if Survey.objects.filter(order=order).exists():
                raise _refuse(order, "survey_done", _("This order's survey is already answered."))
            at = timezone.now()
            survey = Survey.objects.create(order=order, channel=channel, comment=comment, at=at, by=by, **scores)
            deadline_meet(subject=order, kinds=["survey"], at=at)
            SurveyCall.objects.filter(order=order, state=SurveyCall.State.OPEN).update(
                state=SurveyCall.State.ANSWERED, closed_at=at)
            if survey.low:
                _open_follow_up(survey, at)
    except IntegrityError:  # a concurrent answer won between the check and the insert
        order = WorkOrder.objects.get(pk=order_id)
        raise _refuse(order, "survey_done", _("This order's survey is already answered.")) from None
    return survey


def _open_follow_up(survey, at):
    """issue 15: a score of 2 or less is the supervisor's to follow up, on its own clock."""
    follow_up = LowScoreFollowUp.objects.create(survey=survey, opened_at=at)
    days = settings.SERVICEDESK["SURVEY_FOLLOW_UP_WORKING_DAYS"]
    deadline_start(subject=follow_up, kind="survey_follow_up", start=at, due_at=add_working_days(at, days))
    order = survey.order
    notifications_create(
        recipients=users_with_role(Role.SUPERVISOR), url=follow_up.get_absolute_url(),
        title=Title(gettext_noop("Low satisfaction on work order %(number)s: follow it up"), {"number": order.number}),
        body=survey.comment[:500])
    return follow_up


def _locked_follow_up(follow_up_id, by):
    if not by.has_role(*FOLLOW_UP_ROLES):
        raise PermissionDenied(_("Only supervisors follow up low scores."))
    follow_up = LowScoreFollowUp.objects.select_for_update(of=("self",)).select_related(
        "survey__order__customer").get(pk=follow_up_id)
    if follow_up.state != LowScoreFollowUp.State.OPEN:
        raise InvalidTransition(action="follow-up", state=follow_up.state,
                                state_label=follow_up.get_state_display(), allowed=[])
    return follow_up


def follow_up_done(*, follow_up_id, by, note) -> LowScoreFollowUp:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("This field may not be blank."), field="note")
    with transaction.atomic():
        follow_up = _locked_follow_up(follow_up_id, by)
        at = timezone.now()
        follow_up.state, follow_up.closed_at, follow_up.closed_by, follow_up.note = (
            LowScoreFollowUp.State.DONE, at, by, note)
        follow_up.save(update_fields=["state", "closed_at", "closed_by", "note"])
        deadline_meet(subject=follow_up, kinds=["survey_follow_up"], at=at)
    return follow_up


def follow_up_complain(*, follow_up_id, by) -> LowScoreFollowUp:
    """One click: a service complaint linked to the order, filed through the
    complaints' own service (class rule, deadlines, history)."""
    with transaction.atomic():
        follow_up = _locked_follow_up(follow_up_id, by)
        survey, order = follow_up.survey, follow_up.survey.order
        scores = ", ".join(f"{item} {getattr(survey, item)}/5" for item in ITEMS)
        description = _("Satisfaction survey of %(number)s: %(scores)s. %(comment)s") % {
            "number": order.number, "scores": scores, "comment": survey.comment}
        complaint, _created = complaint_create(by=by, customer=order.customer, category=Complaint.Category.SERVICE,
                                               description=description.strip(), work_order=order)
        at = timezone.now()
        follow_up.state, follow_up.closed_at, follow_up.closed_by, follow_up.complaint = (
            LowScoreFollowUp.State.COMPLAINED, at, by, complaint)
        follow_up.save(update_fields=["state", "closed_at", "closed_by", "complaint"])
        deadline_meet(subject=follow_up, kinds=["survey_follow_up"], at=at)
    return follow_up


def survey_call_record(*, call_id, by, outcome, note="", **values) -> SurveyCall:
    """One try of the satisfaction call: answered (with the four scores),
    not reached (closed as such after the last try) or refused."""
    if not by.has_role(*SURVEY_ROLES):
        raise PermissionDenied(_("Only agents and supervisors record surveys."))
    if outcome not in SurveyCallAttempt.Outcome.values:
        raise ValidationFailed(_("Choose the outcome."), field="outcome")
    order_id = SurveyCall.objects.values_list("order_id", flat=True).get(pk=call_id)
    if outcome == SurveyCallAttempt.Outcome.ANSWERED:
        with transaction.atomic():
            survey_submit(order_id=order_id, by=by, channel=Survey.Channel.PHONE, comment=note, **values)
            call = SurveyCall.objects.select_for_update().get(pk=call_id)
            SurveyCallAttempt.objects.create(call=call, outcome=outcome, note=(note or "").strip(), at=timezone.now(),
                                             by=by)
            call.attempts += 1
            call.save(update_fields=["attempts"])
        return call
    with transaction.atomic():
        order = _locked_order(order_id)
        call = SurveyCall.objects.select_for_update().get(pk=call_id)
        if call.state != SurveyCall.State.OPEN:
            raise InvalidTransition(action="survey-call", state=call.state, state_label=call.get_state_display(),
                                    allowed=[])
        at = timezone.now()
        SurveyCallAttempt.objects.create(call=call, outcome=outcome, note=(note or "").strip(), at=at, by=by)
        call.attempts += 1
        if outcome == SurveyCallAttempt.Outcome.REFUSED:
            call.state = SurveyCall.State.REFUSED
        elif call.attempts >= settings.SERVICEDESK["SURVEY_CALL_MAX_ATTEMPTS"]:
            call.state = SurveyCall.State.NOT_REACHED
        if call.state != SurveyCall.State.OPEN:
            call.closed_at = at
            # Nobody will answer: the clock stops unmet (it counts as not done), never escalated again.
            deadline_cancel_open(subject=order, kinds=["survey"], at=at)
        call.save(update_fields=["attempts", "state", "closed_at"])
    return call


def appointment_request(*, order_id, kind, wish="") -> AppointmentRequest:
    """From the customer's page (no user): confirm the appointment, or ask for another time."""
    wish = (wish or "").strip()[:200]
    if kind not in AppointmentRequest.Kind.values:
        raise ValidationFailed(_("Choose confirm or another time."), field="kind")
    if kind == AppointmentRequest.Kind.RESCHEDULE and not wish:
        raise ValidationFailed(_("Say which time suits you."), field="wish")
    with transaction.atomic():
        order = _locked_order(order_id)
        if order.state != WorkOrder.State.SCHEDULED or order.appointment_at is None:
            raise _refuse(order, "no_appointment", _("There is no appointment to answer now."))
        request = AppointmentRequest.objects.create(order=order, kind=kind, wish=wish,
                                                    appointment_at=order.appointment_at, at=timezone.now())
        if kind == AppointmentRequest.Kind.RESCHEDULE:
            dispatchers = users_with_role(Role.DISPATCHER)
            notifications_create(
                recipients=dispatchers, url=order.get_absolute_url(), body=wish,
                title=Title(gettext_noop("The customer of %(number)s asks for another time"), {"number": order.number}))
    return request


def appointment_request_handle(*, request_id, by) -> AppointmentRequest:
    if not by.has_role(Role.DISPATCHER, Role.SUPERVISOR):
        raise PermissionDenied()
    with transaction.atomic():
        row = AppointmentRequest.objects.select_for_update().get(pk=request_id)
        if row.handled_at is None:
            row.handled_at, row.handled_by = timezone.now(), by
            row.save(update_fields=["handled_at", "handled_by"])
    return row
