"""Reads of the dispatch app: who works when (shifts, leave, duty), the day's
schedule (the contract's `GET /api/v1/schedule/`), the suggestions for an
order and the board. Every rule of who may see or do what is here."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Unit
from servicedesk.accounts.roles import Role
from servicedesk.deadlines.calendar import is_working_day
from technicians.models import Technician
from tickets.models import WorkOrder, WorkOrderEvent
from tickets.selectors import dispatch_candidates

from .models import Duty, ShiftException, SlotProposal, WorkingHours

BOARD_ROLES = {Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER}
DISPATCH_ROLES = {Role.DISPATCHER, Role.SUPERVISOR}
APPROVE_ROLES = {Role.SUPERVISOR, Role.MANAGER}  # contract: approved installations
ROSTER_ROLES = {Role.DISPATCHER, Role.SUPERVISOR}
# The states whose appointments the board and the schedule show.
SHOWN_STATES = [s for s in WorkOrder.State.values if s != WorkOrder.State.CANCELLED]


def user_may_see_board(user) -> bool:
    return user.is_authenticated and user.has_role(*BOARD_ROLES)


def user_may_dispatch(user) -> bool:
    return user.is_authenticated and user.has_role(*DISPATCH_ROLES)


def user_may_approve(user) -> bool:
    return user.is_authenticated and user.has_role(*APPROVE_ROLES)


def user_may_edit_roster(user) -> bool:
    return user.is_authenticated and user.has_role(*ROSTER_ROLES)


def grace() -> datetime.timedelta:
    """An appointment without an agreed end lasts this long (setting APPOINTMENT_GRACE_MINUTES)."""
    return datetime.timedelta(minutes=settings.SERVICEDESK.get("APPOINTMENT_GRACE_MINUTES", 30))


def _at(day, time):
    return timezone.make_aware(datetime.datetime.combine(day, time), timezone.get_current_timezone())


def day_bounds(day):
    return _at(day, datetime.time()), _at(day + datetime.timedelta(days=1), datetime.time())


def _subtract(intervals, cut):
    out = []
    for start, end in intervals:
        if cut[1] <= start or cut[0] >= end:
            out.append((start, end))
            continue
        if start < cut[0]:
            out.append((start, cut[0]))
        if cut[1] < end:
            out.append((cut[1], end))
    return out


def shifts_for(technician_ids, days) -> dict:
    """{(technician id, day): [(start, end), ...]} as aware datetimes. A day's
    regular hours are its weekday's (a weekend day's only for those who work
    it), none on a statutory holiday of the calendar, Monday's on a make-up
    workday on a weekend for those without hours of that day; an
    exception of changed hours replaces them, leave removes its hours (the
    whole day without times)."""
    technician_ids, days = list(technician_ids), list(days)
    hours = {}
    for row in WorkingHours.objects.filter(technician_id__in=technician_ids):
        hours.setdefault((row.technician_id, row.weekday), []).append((row.start, row.end))
    exceptions = {}
    for row in ShiftException.objects.filter(technician_id__in=technician_ids, date__in=days):
        exceptions.setdefault((row.technician_id, row.date), []).append(row)
    working = {day: is_working_day(day) for day in days}
    shifts = {}
    for tid in technician_ids:
        for day in days:
            weekday = day.weekday()
            if working[day] and weekday >= 5 and (tid, weekday) not in hours:
                weekday = 0  # a make-up workday (调休) on a weekend: Monday's hours
            elif not working[day] and weekday < 5:
                weekday = None  # a statutory holiday
            regular = [(_at(day, s), _at(day, e)) for s, e in sorted(hours.get((tid, weekday), []))]
            own = exceptions.get((tid, day), [])
            changed = [(_at(day, x.start), _at(day, x.end)) for x in own if x.kind == ShiftException.Kind.WORK]
            intervals = sorted(changed) if changed else regular
            for leave in (x for x in own if x.kind == ShiftException.Kind.LEAVE):
                cut = day_bounds(day) if leave.start is None else (_at(day, leave.start), _at(day, leave.end))
                intervals = _subtract(intervals, cut)
            shifts[(tid, day)] = intervals
    return shifts


def on_leave(technician_ids, days) -> set:
    """{(technician id, day)} with leave of the whole day."""
    rows = ShiftException.objects.filter(technician_id__in=list(technician_ids), date__in=list(days),
                                         kind=ShiftException.Kind.LEAVE, start__isnull=True)
    return set(rows.values_list("technician_id", "date"))


def duty_of(days, station_id=None) -> dict:
    """{(technician id, day): station id} of the emergency duty (seeds/001)."""
    rows = Duty.objects.filter(date__in=list(days))
    if station_id:
        rows = rows.filter(station_id=station_id)
    return {(d.technician_id, d.date): d.station_id for d in rows}


def appointment_window(order):
    """(start, end) of the agreed window: appointment_at, and appointment_end or the grace."""
    return order.appointment_at, order.appointment_end or order.appointment_at + grace()


def appointments(technician_ids, first, last) -> dict:
    """{technician id: [orders]} with an appointment (or a proposed slot) from
    `first` to `last` (local days, inclusive), by start."""
    start, _end = day_bounds(first)
    _start, end = day_bounds(last)
    found = {}
    orders = (WorkOrder.objects.filter(technician_id__in=list(technician_ids), state__in=SHOWN_STATES,
                                       appointment_at__gte=start, appointment_at__lt=end)
              .only("id", "number", "kind", "state", "technician_id", "appointment_at", "appointment_end")
              .order_by("appointment_at", "id"))
    for order in orders:
        order.window = appointment_window(order)
        order.proposed = False
        found.setdefault(order.technician_id, []).append(order)
    proposals = (SlotProposal.objects.filter(order__technician_id__in=list(technician_ids), start__gte=start,
                                             start__lt=end, order__appointment_at__isnull=True,
                                             order__state__in=WorkOrder.WORKLOAD_STATES)
                 .select_related("order"))
    for proposal in proposals:
        order = proposal.order
        order.window, order.proposed = (proposal.start, proposal.end), True
        found.setdefault(order.technician_id, []).append(order)
    for rows in found.values():
        rows.sort(key=lambda o: (o.window[0], o.pk))
    return found


def open_orders(technician_ids) -> dict:
    rows = (WorkOrder.objects.filter(technician_id__in=list(technician_ids), state__in=WorkOrder.WORKLOAD_STATES)
            .values_list("technician_id", flat=True))
    counts = {}
    for tid in rows:
        counts[tid] = counts.get(tid, 0) + 1
    return counts


def technicians_for(*, station=None, category=None, region=None):
    qs = Technician.objects.filter(active=True).select_related("user", "station")
    if station:
        qs = qs.filter(station_id=station)
    if category:
        qs = qs.filter(certifications__category__slug=category,
                       certifications__valid_until__gte=timezone.localdate())
    if region:
        qs = qs.filter(regions__code=region)
    return list(qs.distinct().order_by("station__name", "user__username"))


def schedule(*, day, station=None) -> dict:
    """The contract's `GET /api/v1/schedule/` answer."""
    techs = technicians_for(station=station)
    ids = [t.pk for t in techs]
    shifts, duty = shifts_for(ids, [day]), duty_of([day])
    booked, counts = appointments(ids, day, day), open_orders(ids)
    local = timezone.localtime
    return {
        "date": day.isoformat(),
        "technicians": [{
            "id": t.pk,
            "name": t.user.display_name,
            "station": t.station.name if t.station_id else None,
            "on_duty": (t.pk, day) in duty,
            "shifts": [{"start": local(s).isoformat(), "end": local(e).isoformat()} for s, e in shifts[(t.pk, day)]],
            "appointments": [{
                "work_order": o.pk, "number": o.number, "kind": o.kind, "state": o.state,
                "start": local(o.window[0]).isoformat(), "end": local(o.window[1]).isoformat(),
            } for o in booked.get(t.pk, []) if not o.proposed],
            "open_orders": counts.get(t.pk, 0),
        } for t in techs],
    }


# --- suggestions ------------------------------------------------------------------


@dataclass
class Suggestion:
    technician: Technician
    region_match: bool
    on_duty: bool
    in_shift: bool
    free_before_deadline: bool
    load_today: int
    open_orders: int
    due_at: datetime.datetime | None
    reasons: list = field(default_factory=list)


def _free_minutes(intervals, busy, window):
    """Minutes of `intervals` inside `window` not covered by `busy`."""
    parts = []
    for start, end in intervals:
        start, end = max(start, window[0]), min(end, window[1])
        if start < end:
            parts.append((start, end))
    for cut in busy:
        parts = _subtract(parts, cut)
    return sum((e - s).total_seconds() for s, e in parts) / 60


def _order_due(order):
    due = [d.due_at for d in order.deadlines.all() if d.met_at is None and d.cancelled_at is None
           and d.kind in ("arrive", "respond")]
    return min(due) if due else None


def suggestions(*, order, now=None) -> list[Suggestion]:
    """The eligible technicians (certified, active: tickets.selectors.
    dispatch_candidates) ranked, each with its reasons: serves the region, on
    emergency duty today, in a shift now, free for a visit before the order's
    deadline, today's load. An emergency outside working hours (nobody
    eligible is in a shift now) goes to the on-duty technician first
    (seeds/001: 24小时值班); otherwise region, free before the deadline, in a
    shift, on duty, then the lightest day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = dispatch_candidates(order=order)
    ids = [c.technician.pk for c in candidates]
    tomorrow = today + datetime.timedelta(days=1)
    shifts, duty = shifts_for(ids, [today, tomorrow]), duty_of([today])
    booked, counts = appointments(ids, today, tomorrow), open_orders(ids)
    due = _order_due(order)
    window = (now, due or now + datetime.timedelta(hours=24))
    need = grace().total_seconds() / 60
    ranked = []
    for c in candidates:
        tid = c.technician.pk
        intervals = shifts[(tid, today)] + shifts[(tid, tomorrow)]
        busy = [o.window for o in booked.get(tid, [])]
        on_duty = (tid, today) in duty
        if on_duty:
            intervals = [day_bounds(today)] + shifts[(tid, tomorrow)]  # 24-hour duty
        s = Suggestion(
            technician=c.technician, region_match=c.region_match, on_duty=on_duty,
            in_shift=any(a <= now < b for a, b in intervals),
            free_before_deadline=_free_minutes(intervals, busy, window) >= need,
            load_today=sum(1 for o in booked.get(tid, []) if timezone.localdate(o.window[0]) == today),
            open_orders=counts.get(tid, 0), due_at=due)
        s.reasons = _reasons(s, order)
        ranked.append(s)
    after_hours = order.kind == WorkOrder.Kind.EMERGENCY and not any(
        any(a <= now < b for a, b in shifts[(s.technician.pk, today)]) for s in ranked)
    ranked.sort(key=lambda s: (
        not (after_hours and s.on_duty), not s.region_match, not s.free_before_deadline, not s.in_shift,
        not s.on_duty, s.load_today, s.open_orders, s.technician.user.username))
    return ranked


def _reasons(s, order):
    """(code, ok, text) of each reason, in the reader's language."""
    return [
        ("certified", True, _("Certified for %(category)s") % {"category": order.category}
         if order.category_id else _("No certification needed")),
        ("region", s.region_match, _("Serves the region") if s.region_match else _("Does not serve the region")),
        ("on_duty", s.on_duty, _("On emergency duty today") if s.on_duty else _("Not on duty today")),
        ("free", s.free_before_deadline,
         _("Free before the deadline") if s.free_before_deadline else _("No free time before the deadline")),
        ("load", s.load_today < 4, _("%(n)d visits today, %(open)d open orders") % {
            "n": s.load_today, "open": s.open_orders}),
    ]


# --- the director's queue, the board's freshness -----------------------------------


def awaiting_approval():
    return (WorkOrder.objects.filter(state=WorkOrder.State.AWAITING_APPROVAL)
            .select_related("customer", "partner", "category", "address").order_by("reported_at", "id"))


def board_version() -> str:
    """Changes whenever an order moves or the roster does: the board reloads when it changes."""
    parts = [
        WorkOrderEvent.objects.aggregate(m=Max("id"))["m"],
        SlotProposal.objects.aggregate(m=Max("at"))["m"],
        Duty.objects.aggregate(m=Max("updated_at"))["m"],
        ShiftException.objects.aggregate(m=Max("id"))["m"], ShiftException.objects.count(),
        WorkingHours.objects.aggregate(m=Max("id"))["m"], WorkingHours.objects.count(),
    ]
    return "-".join(str(p.timestamp() if hasattr(p, "timestamp") else p or 0) for p in parts)


def stations():
    return Unit.objects.filter(kind=Unit.Kind.STATION).order_by("name")
