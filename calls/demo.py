"""This app's part of `manage.py seed_demo`: idempotent (running it twice
changes nothing), called after the organisation, work orders and complaints
exist. `people` maps the demo usernames to users (agent, dispatcher,
supervisor, handler, manager, hr, partner, partner2, telephony, admin).

A few dozen calls of today, reported through the same service as the
switch's events (so deadlines and history are real): answered within 3
rings, answered late, abandoned with their callbacks waiting, overdue, taken
or done, two ringing now and one in progress; two more agents so the
wallboard has people to compare. Call ids are per day (demo-YYYYMMDD-NNN):
a second run on the same day leaves the calls it finds alone (their times
were drawn from the first run's clock)."""

import datetime
import os

from django.contrib.auth.models import Group
from django.utils import timezone

from servicedesk.accounts.models import User
from servicedesk.core.demo import DEFAULT_PASSWORD
from servicedesk.customers.models import CustomerPhone

from . import services
from .models import Call, Callback

CALLS = 36


def _agent(username, first_name, unit):
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": first_name, "unit": unit})
    if created:
        user.email = f"{username}@demo.servicedesk.local"
        user.set_password(os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD)
        user.save()
        user.groups.set(Group.objects.filter(name="agent"))
    return user


def seed_run(run):
    """seed_demo's registered part (servicedesk/core/demo.py, CallsConfig.ready)."""
    seed(people=run.people, rng=run.rng(2), stdout=run.stdout)


def seed(*, people, rng, stdout):
    switch = people["telephony"]
    agent = people["agent"]
    agents = [agent, _agent("agent2", "客服小李", agent.unit), _agent("agent3", "客服小赵", agent.unit)]
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now)
    midnight = datetime.datetime.combine(today, datetime.time.min, tzinfo=timezone.get_current_timezone())
    # The day so far, at most the last 8 hours (at least a quarter of an hour).
    span = max(min(now - midnight, datetime.timedelta(hours=8)), datetime.timedelta(minutes=15))
    numbers = list(CustomerPhone.objects.order_by("id").values_list("number", flat=True)[:40]) or ["13800138000"]
    prefix = f"demo-{today:%Y%m%d}-"
    existing = set(Call.objects.filter(call_id__startswith=prefix).values_list("call_id", flat=True))
    before = len(existing)

    def report(call_id, event, at, **kwargs):
        if at <= now and call_id not in existing:
            services.call_event_record(call_id=call_id, event=event, at=at, by=switch, **kwargs)

    for n in range(CALLS):
        call_id = f"{prefix}{n:03d}"
        caller = numbers[rng.randrange(len(numbers))] if rng.random() < 0.7 else f"139{rng.randrange(10**8):08d}"
        ring = now - datetime.timedelta(seconds=rng.randrange(300, int(span.total_seconds()) + 301))
        who = agents[rng.randrange(len(agents))]
        kind = n % 9  # 2 in 9 abandoned, 1 in 9 answered late, the rest within 3 rings
        report(call_id, "ring", ring, caller=caller, agent=who)
        if kind in (0, 4):
            report(call_id, "hangup", ring + datetime.timedelta(seconds=rng.randrange(6, 70)))
            continue
        wait = rng.randrange(16, 45) if kind == 7 else rng.randrange(3, 16)
        report(call_id, "answer", ring + datetime.timedelta(seconds=wait), agent=who)
        if rng.random() < 0.1:
            report(
                call_id, "transfer", ring + datetime.timedelta(seconds=wait + 30),
                agent=agents[(agents.index(who) + 1) % 3],
            )
        report(call_id, "hangup", ring + datetime.timedelta(seconds=wait + rng.randrange(60, 600)))
    # Live: two ringing (one at an agent's extension) and one in progress.
    report(f"{prefix}900", "ring", now - datetime.timedelta(seconds=9), caller=numbers[0], agent=agents[1])
    report(f"{prefix}901", "ring", now - datetime.timedelta(seconds=4), caller=f"139{rng.randrange(10**8):08d}")
    report(f"{prefix}902", "ring", now - datetime.timedelta(seconds=130), caller=numbers[-1], agent=agent)
    report(f"{prefix}902", "answer", now - datetime.timedelta(seconds=121), agent=agent)

    # Callbacks: the older ones were taken and some done; the others wait (those past 2 h are overdue).
    waiting = (
        Callback.objects.filter(call__call_id__startswith=prefix).select_related("call").order_by("created_at", "id")
    )
    for i, callback in enumerate(waiting):
        if callback.state != Callback.State.OPEN or now - callback.created_at < datetime.timedelta(minutes=40):
            continue
        if i % 3 == 2:
            continue  # left waiting (overdue once past its due time)
        taker = agents[i % len(agents)]
        services.callback_take(callback_id=callback.pk, by=taker)
        if i % 3 == 0:
            services.callback_complete(callback_id=callback.pk, reached=True, by=taker,
                                       note="已回电，客户预约了上门维修 / called back, visit booked")
    # What was filed from a few calls: the customer's latest work order, by the call's owner.
    from tickets.models import WorkOrder

    linked = 0
    for call in Call.objects.filter(call_id__startswith=prefix, customer__isnull=False, owner__isnull=False)[:8]:
        order = WorkOrder.objects.filter(customer_id=call.customer_id).order_by("-id").first()
        if order is not None:
            services.call_link(call=call, subject=order, by=call.owner)
            linked += 1
    # One walk-in a day.
    if not Call.objects.filter(channel=Call.Channel.WALK_IN, created_at__gte=midnight).exists():
        walk_in = services.call_open_manual(channel=Call.Channel.WALK_IN, caller=numbers[0], by=agent,
                                            note="客户到服务站咨询保修 / asked about the warranty at the desk")
        services.call_end(call_id=walk_in.call_id, by=agent)
    total = Call.objects.filter(call_id__startswith=prefix).count()
    stdout.write(f"Calls today: {total} ({total - before} new), callbacks waiting: "
                 f"{Callback.objects.filter(state__in=Callback.OPEN_STATES).count()}, linked: {linked}.")
