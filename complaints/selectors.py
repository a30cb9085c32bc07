"""Reads of complaints and every permission rule about them, in one place."""

import datetime

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from servicedesk.accounts.models import Unit
from servicedesk.accounts.roles import Role
from servicedesk.deadlines.models import Deadline
from servicedesk.ownership.handover import OWNER_ROLES

from .models import Complaint, ComplaintEvent, actions_allowed_in

SEE_ALL = {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}
CREATE_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.PARTNER}
READ_ROLES = SEE_ALL | {Role.HANDLER, Role.PARTNER, Role.HR}

# Who may take each action. "handling_unit" means a handler who is a member
# of the unit the complaint was forwarded to.
ACTION_RULES = {
    "forward": {"roles": {Role.AGENT, Role.SUPERVISOR}},
    "reply": {"roles": {Role.SUPERVISOR}, "handling_unit": True},
    "return-visit": {"roles": {Role.AGENT, Role.SUPERVISOR}},
    "escalate": {"roles": {Role.AGENT, Role.SUPERVISOR, Role.MANAGER}, "handling_unit": True},
    "close": {"roles": {Role.AGENT, Role.SUPERVISOR}},
    "reject": {"roles": {Role.AGENT, Role.SUPERVISOR}},
    # seeds/002: customer service handles a class 1 complaint directly and files the result.
    "close-at-once": {"roles": {Role.AGENT, Role.SUPERVISOR}},
    "acknowledge": {"roles": {Role.AGENT, Role.SUPERVISOR}},
    "propose-finding": {"roles": {Role.SUPERVISOR}, "handling_unit": True},
    # First-question responsibility (seeds/000): the owner hands the complaint
    # over explicitly, with a note; supervisors and managers may reassign it.
    # Not a state change: the complaint keeps its state.
    "hand-over": {"owner": True, "roles": {Role.SUPERVISOR, Role.MANAGER}},
    # seeds/000 step 4: HR decides on accountability.
    "decide-finding": {"roles": {Role.HR}},
}

# Who sees the pages beyond the complaints themselves.
OVERVIEW_ROLES = {Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}
# seeds/002: a class-3 case study is "shared with the department".
CASE_STUDY_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.HANDLER, Role.ADMINISTRATOR}
# As the API's FindingViewSet; only HR decides (services.finding_decide).
FINDING_ROLES = {Role.HR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}


def repeat_window() -> datetime.timedelta:
    return datetime.timedelta(days=settings.SERVICEDESK["COMPLAINT_REPEAT_DAYS"])


def complaints_visible_to(user) -> QuerySet:
    qs = Complaint.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.has_role(*SEE_ALL):
        return qs
    condition = Q(pk__in=[])
    if user.has_role(Role.HANDLER) and user.unit_id:
        condition |= Q(handling_unit_id=user.unit_id)
    if user.has_role(Role.PARTNER) and user.partner_id:
        condition |= Q(partner_id=user.partner_id)
    if user.has_role(Role.HR):
        condition |= Q(findings__isnull=False)
    return qs.filter(condition).distinct()


def user_may_read_complaints(user) -> bool:
    return user.is_authenticated and user.has_role(*READ_ROLES)


def user_may_create_complaints(user) -> bool:
    return user.is_authenticated and user.has_role(*CREATE_ROLES)


def may_see_queue(user) -> bool:
    return (user.has_role(Role.HANDLER) and bool(user.unit_id)) or user.has_role(*OVERVIEW_ROLES)


def may_see_overview(user) -> bool:
    return user.has_role(*OVERVIEW_ROLES)


def may_read_case_studies(user) -> bool:
    return user.has_role(*CASE_STUDY_ROLES)


def may_see_findings(user) -> bool:
    return user.has_role(*FINDING_ROLES)


def may_see_findings_on_sheet(user) -> bool:
    """Accountability names a person: not for partner systems (seeds/001, privacy)."""
    return user.roles != {Role.PARTNER}


def user_may_take(user, complaint: Complaint, action: str) -> bool:
    rule = ACTION_RULES[action]
    if user.has_role(*rule.get("roles", ())):
        return True
    # The owner, if staff (servicedesk.ownership OWNER_ROLES): not a partner system.
    if rule.get("owner") and complaint.owner_id and complaint.owner_id == user.pk and user.has_role(*OWNER_ROLES):
        return True
    if rule.get("handling_unit") and user.has_role(Role.HANDLER):
        return bool(complaint.handling_unit_id) and complaint.handling_unit_id == user.unit_id
    return False


def complaint_owner_actions_for(user, complaint: Complaint) -> list[str]:
    """hand-over, while the complaint is open and this user may hand it over.
    Who may own it (the target): servicedesk.ownership.handover.OWNER_ROLES."""
    return ["hand-over"] if complaint.is_open and user_may_take(user, complaint, "hand-over") else []


def complaint_actions_for(user, complaint: Complaint) -> list[str]:
    actions = [a for a in actions_allowed_in(complaint.state) if user_may_take(user, complaint, a)
               and (a != "close-at-once" or complaint.complaint_class == 1)]
    if complaint.is_open and user_may_take(user, complaint, "acknowledge") and complaint.deadlines.filter(
        kind="acknowledge", met_at__isnull=True, cancelled_at__isnull=True
    ).exists():
        actions.append("acknowledge")
    return actions


def with_list_relations(qs: QuerySet) -> QuerySet:
    return qs.select_related(
        "customer", "address", "handling_unit", "accepting_unit", "work_order", "technician__user", "owner", "partner",
        "product__category", "case_study",
    ).prefetch_related(
        Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at", "id")),
        "customer__phones",
    )


def complaint_history(complaint) -> QuerySet:
    return ComplaintEvent.objects.filter(complaint=complaint).select_related("by").order_by("at", "id")


def unit_queue(unit_id) -> QuerySet:
    """A handling unit's open complaints, the most urgent first (issue 4, item 5)."""
    from django.db.models import OuterRef, Subquery

    next_due = Deadline.objects.filter(
        complaint=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True
    ).order_by("due_at").values("due_at")[:1]
    return (
        Complaint.objects.filter(
            handling_unit_id=unit_id, state__in=[Complaint.State.FORWARDED, Complaint.State.DISPUTED]
        )
        .annotate(next_due=Subquery(next_due))
        .order_by("next_due", "received_at")
    )


def suggested_unit(complaint: Complaint) -> Unit | None:
    """seeds/004: quality to the quality department, transport to logistics,
    contract to management; service to the technician's station."""
    cause = complaint.cause or ("quality" if complaint.category == Complaint.Category.QUALITY else "")
    if cause == Complaint.Cause.SERVICE or (not cause and complaint.category == Complaint.Category.SERVICE):
        technician = complaint.technician or (complaint.work_order.technician if complaint.work_order_id else None)
        if technician and technician.station_id:
            station = technician.station
            handling = Unit.objects.filter(parent=station, kind=Unit.Kind.HANDLING_UNIT, active=True).first()
            return handling or station
        return Unit.objects.filter(responsibility=Unit.Responsibility.CUSTOMER_SERVICE, active=True).first()
    responsibility = {
        Complaint.Cause.QUALITY: Unit.Responsibility.QUALITY,
        Complaint.Cause.TRANSPORT: Unit.Responsibility.LOGISTICS,
        Complaint.Cause.CONTRACT: Unit.Responsibility.MANAGEMENT,
    }.get(cause)
    if responsibility:
        return Unit.objects.filter(responsibility=responsibility, active=True).first()
    return None


def forward_targets() -> QuerySet:
    return Unit.objects.filter(active=True).exclude(kind__in=[Unit.Kind.CALL_CENTER, Unit.Kind.HEADQUARTERS])


def complaints_against_technician(technician) -> dict:
    rows = technician.complaints.values("complaint_class").annotate(n=Count("id"))
    return {r["complaint_class"]: r["n"] for r in rows}


def overview(*, now=None) -> dict:
    """Supervisor numbers: open by class and category, on-time per loop
    step (last 30 days), open class-3 cases."""
    from django.db.models import F

    now = now or timezone.now()
    since = now - datetime.timedelta(days=30)
    open_qs = Complaint.objects.filter(state__in=Complaint.OPEN_STATES)
    by_class_category = list(
        open_qs.values("complaint_class", "category").annotate(n=Count("id")).order_by("complaint_class", "category")
    )
    steps = (
        Deadline.objects.filter(content_type__model="complaint", content_type__app_label="complaints",
                                due_at__gte=since, due_at__lt=now, cancelled_at__isnull=True)
        .values("kind")
        .annotate(total=Count("id"), on_time=Count("id", filter=Q(met_at__isnull=False, met_at__lte=F("due_at"))))
        .order_by("kind")
    )
    return {
        "by_class_category": by_class_category,
        "open_total": open_qs.count(),
        "steps": [dict(r, rate=round(100 * r["on_time"] / r["total"], 1) if r["total"] else None) for r in steps],
        "class3_open": list(with_list_relations(open_qs.filter(complaint_class=3)).order_by("received_at")[:50]),
    }
