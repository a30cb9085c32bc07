"""Reads of returns and factory returns, and every permission rule about
them, in one place (docs/returns.md, Roles)."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from servicedesk.accounts.models import Unit
from servicedesk.accounts.roles import Role
from servicedesk.deadlines.models import Deadline

from .models import (
    FactoryReturn,
    FactoryReturnEvent,
    ReturnEvent,
    ReturnRequest,
    ReturnRule,
    factory_return_actions_allowed,
    return_actions_allowed,
)

# --- returns -------------------------------------------------------------------------

RETURN_SEE_ALL = {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}
RETURN_CREATE_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.PARTNER}
RETURN_READ_ROLES = RETURN_SEE_ALL | {Role.PARTNER, Role.TECHNICIAN}

RETURN_ACTION_RULES = {
    # The smoke test (and the call center's practice) lets an agent assess.
    "assess": {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR},
    # Staff record a visit reported to them; otherwise only the technician
    # assigned to the dispute (RETURN_ASSIGNED_ACTIONS), never any technician.
    "visit": {Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR},
    # Customer service coordinates and sends a technician on site (seeds/004).
    "assign": {Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR},
    "accept-exchange": {Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR},
    "fulfil": {Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR},
    "close": {Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR},
}
# Actions the technician assigned to the return may take as well.
RETURN_ASSIGNED_ACTIONS = {"visit"}


def _technician_id(user):
    technician = getattr(user, "technician", None)
    return technician.pk if technician is not None else None


def returns_visible_to(user) -> QuerySet:
    qs = ReturnRequest.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.has_role(*RETURN_SEE_ALL):
        return qs
    condition = Q(pk__in=[])
    if user.has_role(Role.PARTNER) and user.partner_id:
        condition |= Q(partner_id=user.partner_id)
    if user.has_role(Role.TECHNICIAN) and _technician_id(user):
        # A technician sees the returns they are sent to, no other (as for work orders).
        condition |= Q(technician_id=_technician_id(user))
    return qs.filter(condition)


def user_may_read_returns(user) -> bool:
    return user.is_authenticated and user.has_role(*RETURN_READ_ROLES)


def user_may_create_returns(user) -> bool:
    return user.is_authenticated and user.has_role(*RETURN_CREATE_ROLES)


def user_may_take_return(user, return_request, action: str) -> bool:
    if user.has_role(*RETURN_ACTION_RULES[action]):
        return True
    return action in RETURN_ASSIGNED_ACTIONS and user.has_role(Role.TECHNICIAN) \
        and return_request.technician_id is not None and return_request.technician_id == _technician_id(user)


def return_awaits_technician(user, return_request, action: str) -> bool:
    """A technician refused an assigned-technician action only because nobody
    is assigned yet: a 409 naming what is missing rather than a 403."""
    return action in RETURN_ASSIGNED_ACTIONS and user.has_role(Role.TECHNICIAN) \
        and return_request.technician_id is None


def return_actions_for(user, return_request) -> list[str]:
    return [a for a in return_actions_allowed(return_request) if user_may_take_return(user, return_request, a)]


def technicians_for_return(return_request) -> QuerySet:
    """Who may be sent on site: active technicians certified for the product's category."""
    from technicians.models import Technician

    return Technician.objects.filter(active=True, certifications__category_id=return_request.product.category_id,
                                     certifications__valid_until__gte=timezone.localdate()
                                     ).select_related("user").order_by("user__username")


def returns_with_relations(qs: QuerySet) -> QuerySet:
    return qs.select_related("customer", "address", "product__category", "owner", "partner", "assessed_by",
                             "technician__user").prefetch_related(
        Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at", "id")), "customer__phones")


def return_history(return_request) -> QuerySet:
    return ReturnEvent.objects.filter(return_request=return_request).select_related("by").order_by("at", "id")


def rules_for(*, category: str, requested_by: str) -> list[ReturnRule]:
    """The rules that decide a return: its category's first, then the
    general ones (blank category), each for its requester or any, by order."""
    rules = ReturnRule.objects.filter(active=True, category__in=[category, ""], requested_by__in=[requested_by, ""])
    return sorted(rules, key=lambda r: (r.category == "", r.order, r.pk))


def finding_rules(category: str) -> list[ReturnRule]:
    """The findings asked for a category (both requesters), once each, by order."""
    seen, out = set(), []
    rules = ReturnRule.objects.filter(active=True, kind=ReturnRule.Kind.FINDING, category__in=[category, ""])
    for rule in sorted(rules, key=lambda r: (r.category == "", r.order, r.pk)):
        if rule.finding not in seen:
            seen.add(rule.finding)
            out.append(rule)
    return out


# --- factory returns -----------------------------------------------------------------

FACTORY_SEE_ALL = {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR, Role.LOGISTICS}


def unit_chain_ids(unit) -> list[int]:
    chain, seen = [], set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        chain.append(unit.pk)
        unit = unit.parent
    return chain


def is_customer_service(user) -> bool:
    """Customer service (客户服务部): a supervisor or manager of a unit
    responsible for customer service, or an administrator."""
    if user.has_role(Role.ADMINISTRATOR):
        return True
    return user.has_role(Role.SUPERVISOR, Role.MANAGER) and bool(user.unit_id) and \
        user.unit.responsibility == Unit.Responsibility.CUSTOMER_SERVICE


def may_sign(user, factory_return) -> bool:
    """The office's manager or its regional manager (a manager or supervisor
    of the office or of a unit above it), seeds/004."""
    if user.has_role(Role.ADMINISTRATOR):
        return True
    return user.has_role(Role.MANAGER, Role.SUPERVISOR) and user.unit_id in unit_chain_ids(factory_return.office)


def _office_member(user, factory_return) -> bool:
    return bool(user.unit_id) and user.unit_id == factory_return.office_id


FACTORY_ACTION_RULES = {
    "sign": may_sign,
    "approve": lambda user, fr: is_customer_service(user),
    "special-approve": lambda user, fr: user.has_role(Role.MANAGER, Role.ADMINISTRATOR),
    "ship": lambda user, fr: _office_member(user, fr) or may_sign(user, fr) or user.has_role(Role.SUPERVISOR),
    "arrive": lambda user, fr: user.has_role(Role.LOGISTICS, Role.ADMINISTRATOR),
    "check": lambda user, fr: user.has_role(Role.LOGISTICS, Role.ADMINISTRATOR),
    "decide": lambda user, fr: is_customer_service(user),
    "close": lambda user, fr: is_customer_service(user),
}


def factory_returns_visible_to(user) -> QuerySet:
    qs = FactoryReturn.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.has_role(*FACTORY_SEE_ALL):
        return qs
    if _in_office(user):
        return qs.filter(office_id=user.unit_id)
    return qs.none()


def _in_office(user) -> bool:
    return bool(user.unit_id) and user.unit.kind == Unit.Kind.OFFICE


def user_may_read_factory_returns(user) -> bool:
    """Staff who handle factory returns, and the people of an office (its own)."""
    return user.is_authenticated and (user.has_role(*FACTORY_SEE_ALL) or _in_office(user))


def offices_for(user) -> QuerySet:
    """The offices this user may file a factory return for."""
    offices = Unit.objects.filter(kind=Unit.Kind.OFFICE, active=True)
    if user.has_role(Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR):
        return offices
    return offices.filter(pk=user.unit_id) if user.unit_id else offices.none()


def user_may_take_factory(user, factory_return, action: str) -> bool:
    return bool(FACTORY_ACTION_RULES[action](user, factory_return))


def factory_return_actions_for(user, factory_return) -> list[str]:
    return [a for a in factory_return_actions_allowed(factory_return)
            if user_may_take_factory(user, factory_return, a)]


def factory_returns_with_relations(qs: QuerySet) -> QuerySet:
    return qs.select_related("office__region", "signed_by", "approved_by", "special_approved_by", "checked_by",
                             "created_by").prefetch_related(
        "items", Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at", "id")))


def factory_return_history(factory_return) -> QuerySet:
    return FactoryReturnEvent.objects.filter(factory_return=factory_return).select_related("by").order_by("at", "id")
