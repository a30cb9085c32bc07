"""Who may be dispatched to an order, and in what order to offer them."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Technician


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


@dataclass
class Candidate:
    technician: Technician
    region_match: bool
    workload: int


def dispatch_candidates(*, order) -> list[Candidate]:
    """Eligible technicians for the order, best first: serving the order's
    region, then the lightest open workload (seeds/004: dispatch to the
    technician responsible for the region)."""
    from tickets.models import WorkOrder

    today = timezone.localdate()
    qs = Technician.objects.filter(active=True).select_related("user", "station")
    if order.category_id:
        qs = qs.filter(certifications__category_id=order.category_id, certifications__valid_until__gte=today)
    qs = qs.annotate(
        workload=Count("work_orders", filter=Q(work_orders__state__in=WorkOrder.WORKLOAD_STATES), distinct=True),
        region_match=Count("regions", filter=Q(regions__id=order.region_id), distinct=True) if order.region_id else Value(0),
    )
    candidates = [Candidate(t, bool(t.region_match), t.workload) for t in qs]
    candidates.sort(key=lambda c: (not c.region_match, c.workload, c.technician.user.username))
    return candidates
