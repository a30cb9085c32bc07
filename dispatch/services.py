"""Writes of the dispatch app: the director's approval of an installation
(a work-order action, through tickets.services.MACHINE and the one runner),
the slot proposed with a dispatch, the roster (hours, leave and exceptions,
the day's emergency duty), and dispatching the first suggestion."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Unit
from servicedesk.core.api import AwareDateTimeField
from servicedesk.core.errors import PermissionDenied, ValidationFailed
from servicedesk.core.transitions import run_action
from servicedesk.deadlines.services import deadline_start
from technicians.models import Technician
from tickets.services import MACHINE, deadline_attributes, work_order_dispatch

from . import selectors
from .models import Duty, ShiftException, SlotProposal, WorkingHours

# --- approval (contract: approved installations; seeds/002) -----------------


def work_order_approve(*, order_id, by, note="") -> object:
    """awaiting_approval -> received, by a supervisor or manager (the
    responsible director). Starts respond and arrive, counted from now."""
    note = (note or "").strip()

    def effects(order, at):
        attributes = deadline_attributes(order)
        for kind in ("respond", "arrive"):
            deadline_start(subject=order, kind=kind, start=at, attributes=attributes)

    return run_action(MACHINE, pk=order_id, action="approve", by=by, note=note, effects=effects)


# --- the slot proposed with a dispatch (tickets.hooks: dispatch input + effect) ---


def proposal_input():
    return AwareDateTimeField(required=False, allow_null=True, default=None,
                              help_text="A proposed start of the visit (the board's drop onto a time).")


def record_proposal(order, at, by, extra):
    """The dispatch's effect: keep the proposed slot, or forget an older one
    (a reassignment without a time leaves the new technician to agree it)."""
    start = (extra or {}).get("proposed_at")
    if start is None:
        SlotProposal.objects.filter(order=order).delete()
        return
    SlotProposal.objects.update_or_create(
        order=order, defaults={"start": start, "end": start + selectors.grace(), "by": by})


def dispatch_from_board(*, order_id, technician, by, proposed_at=None):
    """The board's drop (or its keyboard form): the same service and
    eligibility rules as the order's page and the API."""
    return work_order_dispatch(order_id=order_id, technician=technician, by=by,
                               extra={"proposed_at": proposed_at})


def dispatch_first_suggestion(*, order, by, now=None):
    """One click: dispatch to the best suggestion (selectors.suggestions)."""
    ranked = selectors.suggestions(order=order, now=now)
    if not ranked:
        raise ValidationFailed(_("No eligible technician for this order."), field="technician")
    return work_order_dispatch(order_id=order.pk, technician=ranked[0].technician, by=by)


# --- the roster ------------------------------------------------------------------


def _may_edit(by):
    if not selectors.user_may_edit_roster(by):
        raise PermissionDenied(_("Only dispatchers and supervisors edit shifts and duty."))


def _interval(start, end):
    if start is None:
        raise ValidationFailed(_("This field is required."), field="start")
    if end is None:
        raise ValidationFailed(_("This field is required."), field="end")
    if end <= start:
        raise ValidationFailed(_("The end must be after the start."), field="end")


@transaction.atomic
def working_hours_add(*, by, technician: Technician, weekday: int, start: datetime.time, end: datetime.time):
    _may_edit(by)
    _interval(start, end)
    if weekday not in range(7):
        raise ValidationFailed(_("Choose a weekday."), field="weekday")
    # Two dispatchers adding hours for one technician at once: the second waits here, then sees the first's.
    Technician.objects.select_for_update().filter(pk=technician.pk).first()
    overlapping = WorkingHours.objects.filter(technician=technician, weekday=weekday, start__lt=end, end__gt=start)
    if overlapping.exists():
        raise ValidationFailed(_("These hours overlap hours already set for that day."), field="start")
    return WorkingHours.objects.create(technician=technician, weekday=weekday, start=start, end=end)


@transaction.atomic
def working_hours_delete(*, by, pk):
    _may_edit(by)
    WorkingHours.objects.filter(pk=pk).delete()


@transaction.atomic
def shift_exception_add(*, by, technician, date, kind, start=None, end=None, note=""):
    _may_edit(by)
    if kind not in ShiftException.Kind.values:
        raise ValidationFailed(_("Choose leave or changed hours."), field="kind")
    if kind == ShiftException.Kind.WORK or start is not None or end is not None:
        _interval(start, end)
    return ShiftException.objects.create(technician=technician, date=date, kind=kind, start=start, end=end,
                                         note=(note or "").strip()[:200], created_by=by)


@transaction.atomic
def shift_exception_delete(*, by, pk):
    _may_edit(by)
    ShiftException.objects.filter(pk=pk).delete()


@transaction.atomic
def duty_set(*, by, station: Unit, date, technician: Technician):
    """The day's 24-hour emergency duty of the station (seeds/001); one per
    station and day, the last set wins (the row is locked)."""
    _may_edit(by)
    if not technician.active:
        raise ValidationFailed(_("Technician %(name)s is not active.") % {"name": technician}, field="technician")
    if technician.station_id != station.pk:
        raise ValidationFailed(_("%(name)s does not work at this station.") % {"name": technician},
                               field="technician")
    existing = Duty.objects.select_for_update().filter(station=station, date=date).first()
    if existing is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent first set of the day may win the insert
                return Duty.objects.create(station=station, date=date, technician=technician, updated_by=by)
        except IntegrityError:
            existing = Duty.objects.select_for_update().get(station=station, date=date)
    existing.technician, existing.updated_by = technician, by
    existing.save(update_fields=["technician", "updated_by", "updated_at"])
    return existing

