"""Reads after the visit: the satisfaction means (for the measures), the
agents' survey-call queue, the supervisor's follow-ups, the dispatchers'
requests from customers."""

import datetime

from django.db.models import Avg, Count, QuerySet
from django.utils import timezone

from servicedesk.accounts.roles import Role
from tickets.models import WorkOrder

from .models import ITEMS, AppointmentRequest, LowScoreFollowUp, Survey, SurveyCall

#: Who reads the survey link and the answers on the order (not partners, not the switch).
STAFF_ROLES = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR, Role.TECHNICIAN}
QUEUE_ROLES = {Role.AGENT, Role.SUPERVISOR}
REQUEST_ROLES = {Role.DISPATCHER, Role.SUPERVISOR}
#: The states in which the customer can be asked: the work is signed off.
SURVEYABLE = (WorkOrder.State.SIGNED_OFF, WorkOrder.State.CLOSED)


def is_staff_reader(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*STAFF_ROLES))


def may_work_survey_queue(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*QUEUE_ROLES))


def may_follow_up(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.SUPERVISOR))


def may_see_requests(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*REQUEST_ROLES))


def satisfaction(order_ids_or_queryset) -> dict:
    """{"responses", "attitude", "skill", "punctuality", "overall"} over the
    surveys of these orders (ids or a WorkOrder queryset): means, null when
    there is no response (api-contract: Measures)."""
    surveys = Survey.objects.filter(order__in=order_ids_or_queryset)
    row = surveys.aggregate(responses=Count("id"), **{item: Avg(item) for item in ITEMS})
    return {"responses": row["responses"],
            **{item: (round(float(row[item]), 2) if row[item] is not None else None) for item in ITEMS}}


def survey_of(order) -> Survey | None:
    return Survey.objects.filter(order=order).first()


def survey_calls_today(*, upcoming=False) -> QuerySet:
    """The day's list, oldest deadline first: the open calls due by the end of
    today (signed off yesterday or earlier); `upcoming` adds tomorrow's."""
    today = timezone.localdate()
    last = today + datetime.timedelta(days=1 if upcoming else 0)
    until = timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min))
    return (SurveyCall.objects.filter(state=SurveyCall.State.OPEN, due_at__lt=until)
            .select_related("order__customer", "order__technician__user", "order__category")
            .prefetch_related("order__customer__phones", "attempt_rows")
            .order_by("due_at", "id"))


def open_follow_ups() -> QuerySet:
    return (LowScoreFollowUp.objects.filter(state=LowScoreFollowUp.State.OPEN)
            .select_related("survey__order__customer").order_by("opened_at", "id"))


def open_requests() -> QuerySet:
    return (AppointmentRequest.objects.filter(handled_at__isnull=True, kind=AppointmentRequest.Kind.RESCHEDULE)
            .select_related("order__customer", "order__technician__user").order_by("at", "id"))


def requests_of(order) -> list:
    return list(AppointmentRequest.objects.filter(order=order).order_by("-at", "-id")[:5])


def progress_steps(order) -> list[dict]:
    """The customer's page: the order's way so far, in the customer's words."""
    from django.utils.translation import gettext as _

    S = WorkOrder.State
    steps = [
        (_("Request received"), order.reported_at, True),
        (_("Technician assigned"), order.dispatched_at, order.technician_id is not None),
        (_("Appointment agreed"), order.appointment_at, order.appointment_at is not None),
        (_("Work done"), order.resolved_at,
         order.state in (S.RESOLVED, S.SIGNED_OFF, S.CLOSED)),
        (_("Signed off"), order.signed_off_at, order.state in (S.SIGNED_OFF, S.CLOSED)),
    ]
    if order.state == S.TAKEN_BACK:
        steps.insert(3, (_("Taken back for repair"), None, True))
    if order.state == S.CANCELLED:
        steps = [steps[0], (_("Cancelled"), None, True)]
    return [{"label": label, "at": at, "done": done} for label, at, done in steps]
