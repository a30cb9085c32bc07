"""Who may be dispatched to an order. In what order to offer them is the work
orders' (tickets.selectors.dispatch_candidates: it counts their workload)."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts.roles import Role

from .models import Technician

# Who may read the technician directory (the API): staff and technicians, not partners or the switch.
READ_ROLES = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.HANDLER, Role.ADMINISTRATOR,
              Role.TECHNICIAN}


def user_may_read_technicians(user) -> bool:
    return user.has_role(*READ_ROLES)


def technicians_list() -> QuerySet:
    return (
        Technician.objects.select_related("user", "station")
        .prefetch_related("certifications__category", "regions")
        .order_by("user__username")
    )


def technician_choices() -> list[tuple[str, str]]:
    """(id as text, display name) of every technician, by username: the
    filter's options. Plain values, not model instances: a network has
    hundreds of technicians and the list page renders this on every request."""
    rows = Technician.objects.order_by("user__username").values_list(
        "pk", "user__first_name", "user__last_name", "user__username")
    # User.display_name: the full name, else the username.
    return [(str(pk), f"{first} {last}".strip() or username) for pk, first, last, username in rows]


def technician_ineligibility(*, technician: Technician, category) -> str | None:
    """Why this technician may not take an order of this category, or None.
    domain.md section 7: certified per appliance category."""
    if not technician.active:
        return _("Technician %(name)s is not active.") % {"name": technician}
    if category is None:
        return None
    today = timezone.localdate()
    cert = technician.certifications.filter(category=category).first()
    if cert is None:
        return _("Technician %(name)s has no certification for %(category)s.") % {
            "name": technician, "category": category.slug}
    if cert.valid_until < today:
        return _("Technician %(name)s's certification for %(category)s expired on %(date)s.") % {
            "name": technician, "category": category.slug, "date": cert.valid_until.isoformat()}
    return None
