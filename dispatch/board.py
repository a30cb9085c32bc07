"""What the board page shows, built from the selectors: the columns of the
day view (half hours), each technician's row with shifts, duty, leave and
blocks placed on those columns, the week view's cells, and the orders not yet
dispatched. The page places everything with CSS classes (static/dispatch/
board.css: gs-N / ge-N are grid columns), never a style attribute (CSP)."""

import datetime

from django.utils import timezone

from tickets.models import WorkOrder
from tickets.queue import dispatch_queue_orders

from . import selectors

SLOT_MINUTES = 30
FIRST_COLUMN = 3  # 1: the technician, 2: dispatched orders without a time
SLOTS = 24 * 60 // SLOT_MINUTES
MAX_LANES = 6
# The board shows the work still to do; signed-off and closed visits stay in the schedule API.
BOARD_STATES = {WorkOrder.State.DISPATCHED, WorkOrder.State.ACCEPTED, WorkOrder.State.SCHEDULED,
                WorkOrder.State.ON_SITE, WorkOrder.State.TAKEN_BACK, WorkOrder.State.RESOLVED}


def _column(moment, day, *, end=False):
    start, _stop = selectors.day_bounds(day)
    minutes = (moment - start).total_seconds() / 60
    slot = int(-(-minutes // SLOT_MINUTES)) if end else int(minutes // SLOT_MINUTES)
    return FIRST_COLUMN + max(0, min(SLOTS, slot))


def _span(window, day):
    start, end = _column(window[0], day), _column(window[1], day, end=True)
    return start, max(end, start + 1)


def slots(day):
    start, _stop = selectors.day_bounds(day)
    now, step = timezone.now(), datetime.timedelta(minutes=SLOT_MINUTES)
    out = []
    for i in range(SLOTS):
        moment = timezone.localtime(start + step * i)
        out.append({"column": FIRST_COLUMN + i, "at": moment.strftime("%Y-%m-%dT%H:%M"),
                    "label": moment.strftime("%H:%M"), "hour": moment.minute == 0,
                    "now": moment <= now < moment + step})
    return out


def _unscheduled(technician_ids):
    """Dispatched or accepted orders without an appointment or a proposed slot."""
    return (WorkOrder.objects.filter(technician_id__in=list(technician_ids),
                                     state__in=[WorkOrder.State.DISPATCHED, WorkOrder.State.ACCEPTED],
                                     appointment_at__isnull=True, slot_proposal__isnull=True)
            .only("id", "number", "kind", "state", "technician_id").order_by("dispatched_at", "id"))


def rows(*, days, station=None, category=None, region=None):
    """One row per active technician: day view (one day) or week view."""
    techs = selectors.technicians_for(station=station, category=category, region=region)
    ids = [t.pk for t in techs]
    shifts, duty = selectors.shifts_for(ids, days), selectors.duty_of(days)
    leave = selectors.on_leave(ids, days)
    booked, counts = selectors.appointments(ids, days[0], days[-1]), selectors.open_orders(ids)
    waiting = {}
    for order in _unscheduled(ids):
        waiting.setdefault(order.technician_id, []).append(order)
    out = []
    for t in techs:
        row = {"technician": t, "open_orders": counts.get(t.pk, 0), "unscheduled": waiting.get(t.pk, []),
               "on_duty": (t.pk, days[0]) in duty, "on_leave": (t.pk, days[0]) in leave, "cells": []}
        mine = booked.get(t.pk, [])
        if len(days) == 1:
            day = days[0]
            row["shifts"] = [{"span": _span(w, day), "text": _window_text(w)} for w in shifts[(t.pk, day)]]
            row["blocks"] = _lanes([{"order": o, "span": _span(o.window, day), "text": _window_text(o.window)}
                                    for o in mine if o.state in BOARD_STATES])
            row["lanes"] = max([b["lane"] for b in row["blocks"]], default=1)
        for day in days:
            row["cells"].append({
                "day": day, "on_duty": (t.pk, day) in duty, "on_leave": (t.pk, day) in leave,
                "shifts": [_window_text(w) for w in shifts[(t.pk, day)]],
                "orders": [o for o in mine if timezone.localdate(o.window[0]) == day and o.state in BOARD_STATES],
            })
        row["load_today"] = len(row["cells"][0]["orders"])
        out.append(row)
    return out


def _lanes(blocks):
    """Put overlapping blocks on lanes below each other (at most MAX_LANES)."""
    ends = []
    for block in blocks:
        start, end = block["span"]
        lane = next((i for i, e in enumerate(ends) if e <= start), None)
        if lane is None and len(ends) < MAX_LANES:
            ends.append(end)
            lane = len(ends) - 1
        elif lane is None:
            lane = min(range(len(ends)), key=ends.__getitem__)  # full: the lane that frees first
        ends[lane] = max(ends[lane], end)
        block["lane"] = lane + 1
    return blocks


def _window_text(window):
    return f"{timezone.localtime(window[0]):%H:%M}–{timezone.localtime(window[1]):%H:%M}"


def waiting_orders(user):
    """Not yet dispatched: emergencies first, then the nearest deadline (tickets.queue)."""
    return list(dispatch_queue_orders(user))


def dispatchable_orders(user):
    """The keyboard form's choices: waiting orders, then those dispatched (to reassign)."""
    dispatched = (WorkOrder.objects.filter(state=WorkOrder.State.DISPATCHED)
                  .select_related("technician__user").order_by("dispatched_at", "id")[:200])
    return waiting_orders(user), list(dispatched)
