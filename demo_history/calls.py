"""The history's calls, written in bulk as calls.services.call_event_record
leaves them for a ring, an answer and a hang-up reported by the switch at
their times: the call (ringing, answered, ended; or abandoned), its raw
events, one history row per event, its `answer` deadline (3 rings,
calls.models.answer_limit) met at the answer or cancelled at the hang-up,
and the sweep's escalations of the late ones (book). About 1.4 calls per
order; 89 % answered within 3 rings, 8 % later, 3 % abandoned. The abandoned
ones come from withheld numbers, which open no callback (calls.services: nobody
can call back), so the history holds no callbacks (docs/measures.md)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from calls.models import Call, CallEvent, CallTransition, answer_limit
from calls.services.machines import iso
from tickets.models import WorkOrder

from .book import DeadlineBook
from .rows import insert, row

S = datetime.timedelta(seconds=1)


def write(*, people, rng, first, last, holidays, now) -> int:
    switch = people["telephony"]
    agents = people["history_agents"]
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time()))
    per_day = {}
    rows = (
        WorkOrder.objects.filter(reported_at__gte=start, reported_at__lt=end)
        .order_by("reported_at", "pk")
        .values_list("reported_at", "customer_id", "customer__phones__number")
    )
    for reported, customer_id, number in rows:
        per_day.setdefault(timezone.localdate(reported), []).append((reported, customer_id, number))
    book, calls, events, history = DeadlineBook(), [], [], []
    limit = answer_limit()
    for day, orders in sorted(per_day.items()):
        n = 0
        for reported, customer_id, number in orders:
            for extra in range(1 + (rng.random() < 0.4)):
                rang = reported - rng.uniform(60, 300) * S + extra * rng.uniform(1, 30) * datetime.timedelta(hours=1)
                if rang >= now or not number:
                    continue
                n += 1
                calls.append(
                    _call(
                        f"hist-{day:%Y%m%d}-{n:03d}",
                        rang,
                        number,
                        customer_id,
                        rng,
                        agents,
                        switch,
                        limit,
                        book,
                        events,
                        history,
                    )
                )
    insert(calls, model=Call)
    for call, event in events:
        event.call_id = call.pk
    insert([e for _c, e in events], model=CallEvent)
    for call, transition in history:
        transition.call_id = call.pk
    insert([r for _c, r in history], model=CallTransition)
    book.save(now=now)
    return len(calls)


def _call(call_id, rang, number, customer_id, rng, agents, switch, limit, book, events, history):
    roll = rng.random()
    agent = rng.choice(agents)
    withheld = roll >= 0.97
    call = Call(
        call_id=call_id,
        channel=Call.Channel.PHONE,
        created_by=switch,
        created_at=rang,
        caller="" if withheld else number,
        customer_id=None if withheld else customer_id,
    )

    def event(name, at, who=None, data=None):
        events.append(
            (
                call,
                row(
                    CallEvent,
                    event=name,
                    key=name,
                    at=at,
                    agent_id=who.pk if who else None,
                    received_at=at,
                    payload={
                        "caller": "" if withheld else number,
                        "agent": who.username if who else None,
                        "at": at.isoformat(),
                    },
                ),
            )
        )
        from_state = call.state
        return from_state, {"at": iso(at), **(data or {})}

    def moved(action, from_state, at, data):
        """The call's history row of a switch event, as calls.services.events writes it."""
        history.append((call, row(CallTransition, action=action, from_state=from_state, to_state=call.state,
                                  by_id=switch.pk, at=at, data=data)))

    # ring: the call rings at an agent's extension; the answer deadline starts (calls.services.events._on_ring)
    from_state, data = event("ring", rang, agent, {"agent": agent.username})
    call.rang_at, call.offered_to = rang, agent
    moved("ring", from_state, rang, data)
    book.start(call, "answer", rang, due_at=rang + limit)
    if withheld:  # hung up while ringing
        hang = rang + rng.uniform(8, 60) * S
        from_state, data = event("hangup", hang)
        call.abandon(at=hang)
        book.cancel(call, ["answer"], hang)
        moved("hangup", from_state, hang, data)
        return call
    wait = rng.uniform(3, 14.5) if roll < 0.89 else rng.uniform(16, 50)
    answered = rang + wait * S
    from_state, data = event("answer", answered, agent)
    call.answer(agent=agent, at=answered)
    book.meet(call, ["answer"], answered)
    moved("answer", from_state, answered, {**data, "agent": agent.username})
    hang = answered + rng.uniform(60, 420) * S
    from_state, data = event("hangup", hang)
    call.end(at=hang)
    moved("hangup", from_state, hang, data)
    return call
