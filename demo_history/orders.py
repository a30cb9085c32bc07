"""Six months of work orders, written in bulk by the rules of the real
services (tickets.services, onsite's appointment, aftercare's survey and
follow-up, billing's entitlement): each order is an in-memory WorkOrder
taken through the model's own @transition methods (so every state is one
the state machine reaches), one history row per action as
`Machine.record` writes it (who, when, from, to, why, data), and its
deadlines kept by `DeadlineBook` (servicedesk.deadlines' rules). The
timeline of each order is `timeline.order_steps`."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad

from aftercare.models import ITEMS, LowScoreFollowUp, Survey, SurveyCall, SurveyCallAttempt
from aftercare.services import survey_due
from billing.models import WarrantyTerm, WorkOrderEntitlement
from billing.selectors.fees import decide_for_order
from servicedesk.deadlines.calendar import add_working_days
from tickets.models import ACTIONS, WorkOrder, WorkOrderEvent
from tickets.services import deadline_attributes

from .book import DeadlineBook
from .rows import insert, row
from .timeline import Step

APPOINTMENT_GRACE = datetime.timedelta(minutes=30)  # onsite.services.appointment_grace (the setting's default)


class Writer:
    """Collects the rows of many orders, then writes them in a few statements."""

    def __init__(self, *, now, survey_follow_up_days=1):
        self.now = now
        self.book = DeadlineBook()
        self.orders: list[WorkOrder] = []
        self.events: list[tuple[WorkOrder, WorkOrderEvent]] = []
        self.surveys: list[tuple[WorkOrder, Survey]] = []
        self.calls: list[tuple[WorkOrder, SurveyCall, list]] = []
        self.follow_ups: list[tuple[Survey, LowScoreFollowUp]] = []
        self.survey_days = survey_follow_up_days

    def order(self, *, plan, revisit_of=None) -> WorkOrder:
        """Take one planned order through its steps (timeline.OrderPlan)."""
        order = WorkOrder(
            kind=plan.kind,
            customer=plan.customer,
            address=plan.address,
            product=plan.product,
            category=plan.product.category,
            region=plan.address.region if plan.address else None,
            description=plan.description,
            reported_at=plan.reported_at,
            created_by=plan.creator,
            owner=plan.creator,
            revisit_of=revisit_of,
            free_of_charge=plan.free_of_charge,
        )
        order._created_at = plan.steps[0].at
        order._plan = plan
        self._event(order, "", "create", plan.steps[0], data={"revisit_of": revisit_of} if revisit_of else None)
        attributes = deadline_attributes(order)
        for kind in ("respond", "arrive"):
            self.book.start(order, kind, plan.reported_at, attributes=attributes)
        for step in plan.steps[1:]:
            if step.at > self.now:
                break
            self._act(order, step)
        self.orders.append(order)
        return order

    def _event(self, order, from_state, action, step, data=None):
        self.events.append(
            (
                order,
                row(
                    WorkOrderEvent,
                    action=action,
                    from_state=from_state,
                    to_state=order.state,
                    by_id=step.by.pk,
                    at=step.at,
                    note=step.note or "",
                    data=data if data is not None else (step.data or {}),
                ),
            )
        )

    def _act(self, order, step):
        """One action, as tickets.services runs it: transition, history row, then the deadline effects."""
        at, book, action = step.at, self.book, step.action
        if action == "survey":
            return self._survey(order, step)
        from_state = order.state
        method = getattr(order, ACTIONS[action])
        kwargs = dict(step.kwargs or {})
        if action in STAMPED:
            kwargs["at"] = at
        method(**kwargs)
        self._event(order, from_state, action, step)
        if action == "schedule":  # tickets: respond met; onsite.schedule_effect: the appointment's deadline
            book.meet(order, ["respond"], at)
            current = book.open(order, "appointment")
            if current is None or current.due_at > at:
                book.cancel(order, ["appointment"], at)
                book.start(order, "appointment", at, due_at=order.appointment_at + APPOINTMENT_GRACE)
        elif action == "check-in":  # tickets: respond and arrive met; onsite: the appointment kept
            book.meet(order, ["respond", "arrive", "appointment"], at)
        elif action == "take-back":
            book.start(order, "repair", at, due_at=order.promised_by)
        elif action == "return":
            book.meet(order, ["repair"], at)
        elif action == "sign-off":  # tickets: the follow-up; aftercare.on_sign_off: the survey and its call
            book.start(order, "follow_up", at, attributes=deadline_attributes(order))
            due = survey_due(at)
            book.start(order, "survey", at, due_at=due)
            self.calls.append((order, SurveyCall(opened_at=at, due_at=due), []))
        elif action == "close":
            book.meet(order, ["follow_up"], at)
        elif action == "cancel":
            for kind in ("respond", "arrive", "appointment", "repair", "follow_up", "survey"):
                book.cancel(order, [kind], at)

    def _survey(self, order, step):
        """aftercare: survey_call_record / survey_submit."""
        order_, call, attempts = self.calls[-1]
        assert order_ is order
        outcome, scores = step.kwargs["outcome"], step.kwargs.get("scores")
        attempts.append(SurveyCallAttempt(outcome=outcome, note=step.note or "", at=step.at, by=step.by))
        call.attempts = len(attempts)
        if outcome == "answered":
            survey = Survey(
                channel=Survey.Channel.PHONE,
                comment=(step.note or "").strip(),
                at=step.at,
                by=step.by,
                **dict(zip(ITEMS, scores, strict=True)),
            )
            self.surveys.append((order, survey))
            self.book.meet(order, ["survey"], step.at)
            call.state, call.closed_at = SurveyCall.State.ANSWERED, step.at
            if survey.low:
                follow_up = LowScoreFollowUp(opened_at=step.at)
                self.book.start(
                    follow_up, "survey_follow_up", step.at, due_at=add_working_days(step.at, self.survey_days)
                )
                done = step.kwargs["follow_up"]
                if done.at <= self.now:
                    follow_up.state, follow_up.closed_at, follow_up.closed_by, follow_up.note = (
                        LowScoreFollowUp.State.DONE,
                        done.at,
                        done.by,
                        done.note,
                    )
                    self.book.meet(follow_up, ["survey_follow_up"], done.at)
                self.follow_ups.append((survey, follow_up))
        elif step.kwargs.get("last"):
            call.state, call.closed_at = SurveyCall.State.NOT_REACHED, step.at
            self.book.cancel(order, ["survey"], step.at)

    @transaction.atomic
    def save(self) -> dict:
        """Everything in one transaction: orders, their numbers and next due
        times, entitlements, history, deadlines and escalations, surveys."""
        last = {}
        for order, event in self.events:
            last[id(order)] = max(last.get(id(order), event.at), event.at)
        for o in self.orders:
            # auto_now(_add): the times of the create and of the last action, as the services left them.
            o.created_at, o.updated_at = o._created_at, last[id(o)]
        originals = [o for o in self.orders if o.revisit_of is None]
        revisits = [o for o in self.orders if o.revisit_of is not None]
        for group in (originals, revisits):
            for o in group:
                if o.revisit_of is not None:
                    o.revisit_of_id = o.revisit_of.pk
            insert(group, model=WorkOrder)
        _number(self.orders)
        for o in self.orders:
            o.next_due_at = self.book.earliest_open_due(o)
            if o.next_due_at is not None:  # the few still open (signed off lately): WorkOrder.deadlines_changed
                WorkOrder.objects.filter(pk=o.pk).update(next_due_at=o.next_due_at)
        self._entitlements()
        events = []
        for order, event in self.events:
            event.order_id = order.pk
            if event.action == "create" and order.revisit_of_id:
                event.data = {"revisit_of": order.revisit_of_id}
            events.append(event)
        insert(events, model=WorkOrderEvent)
        insert([_with(s, order_id=o.pk) for o, s in self.surveys], model=Survey)
        insert([_with(f, survey_id=s.pk) for s, f in self.follow_ups], model=LowScoreFollowUp)
        insert([_with(c, order_id=o.pk) for o, c, _a in self.calls], model=SurveyCall)
        insert([_with(a, call_id=c.pk) for _o, c, attempts in self.calls for a in attempts], model=SurveyCallAttempt)
        deadlines, escalations = self.book.save(now=self.now)
        return {
            "orders": len(self.orders),
            "events": len(events),
            "deadlines": deadlines,
            "escalations": escalations,
            "surveys": len(self.surveys),
        }

    def _entitlements(self):
        """billing.services.entitlement_decide, with the lines' terms read once."""
        terms = {}
        for term in WarrantyTerm.objects.filter(active=True):
            terms.setdefault(term.category_id, []).append(term)
        rows = []
        for o in self.orders:
            d = decide_for_order(o, terms=terms.get(o.category_id, []))
            rows.append(
                WorkOrderEntitlement(
                    order=o,
                    status=d.status,
                    basis=d.basis,
                    requested_by=d.requested_by,
                    term_months=d.term_months,
                    term_days=d.term_days,
                    expires_on=d.expires_on,
                    repair_of=d.repair_of,
                    components=d.components,
                    decided_on=d.decided_on,
                    decided_at=o._created_at,
                    reason=d.reason,
                )
            )
        insert(rows, model=WorkOrderEntitlement)


# The actions whose transition takes the time (tickets.services: stamp=True).
STAMPED = {"dispatch", "check-in", "resolve", "return", "sign-off", "close"}


def _local(at):
    from django.utils import timezone

    return timezone.localtime(at)


def _number(orders):
    """tickets.services._create's number, WO + the local day reported + the id: one UPDATE per day."""
    by_day = {}
    for o in orders:
        by_day.setdefault(f"WO{_local(o.reported_at):%Y%m%d}", []).append(o.pk)
    for prefix, ids in by_day.items():
        WorkOrder.objects.filter(pk__in=ids).update(
            number=Concat(Value(prefix), LPad(Cast("pk", CharField()), 6, Value("0")))
        )
    for o in orders:
        o.number = f"WO{_local(o.reported_at):%Y%m%d}{o.pk:06d}"


def _with(obj, **ids):
    for name, value in ids.items():
        setattr(obj, name, value)
    return obj


__all__ = ["Step", "Writer"]
