"""Reads of calls and callbacks, with every permission rule about them in one
place. The switch (role telephony) only reports events; the call center
(agents, supervisors) reads and acts; dispatchers, managers and
administrators read; everyone else is refused (403). Callers' numbers follow
the project's one privacy rule (servicedesk.customers.selectors)."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from servicedesk.accounts.roles import Role
from servicedesk.deadlines.models import Deadline

from .models import Call, Callback, CallTransition, actions_allowed_in, answer_limit, callback_actions_allowed_in

EVENT_ROLES = {Role.TELEPHONY}
CALL_CENTER = {Role.AGENT, Role.SUPERVISOR}
READ_ROLES = CALL_CENTER | {Role.DISPATCHER, Role.MANAGER, Role.ADMINISTRATOR}

# Who may take each action. "owner": the agent who owns the call's question;
# "assigned": the agent who took the callback.
ACTION_RULES = {
    "open": {"roles": CALL_CENTER},
    "end": {"roles": {Role.SUPERVISOR}, "owner": True, "agent": True},
    "hand-over": {"roles": {Role.SUPERVISOR}, "owner": True},
    # A ring whose hang-up never came: the supervisor closes it as abandoned.
    "close": {"roles": {Role.SUPERVISOR}},
    "link": {"roles": {Role.SUPERVISOR}, "owner": True, "agent": True},
    "inquiry": {"roles": CALL_CENTER},
}
CALLBACK_RULES = {
    "take": {"roles": CALL_CENTER},
    "complete": {"roles": {Role.SUPERVISOR}, "assigned": True},
}
# Who a call may be handed over to.
HAND_OVER_ROLES = CALL_CENTER


def user_may_post_events(user) -> bool:
    return user.is_authenticated and user.has_role(*EVENT_ROLES)


def user_may_read_calls(user) -> bool:
    return user.is_authenticated and user.has_role(*READ_ROLES)


def caller_shown_to(user, call: Call) -> str:
    """The caller's number as this user may see it: one privacy rule for the
    whole project (servicedesk.customers.selectors.PhonePolicy)."""
    from servicedesk.customers.selectors import PhonePolicy

    return PhonePolicy(user).phone(call.caller, customer=call.customer_id)


def calls_visible_to(user) -> QuerySet:
    if not user_may_read_calls(user):
        return Call.objects.none()
    return Call.objects.all()


def callbacks_visible_to(user) -> QuerySet:
    if not user_may_read_calls(user):
        return Callback.objects.none()
    return Callback.objects.all()


def user_may_take(user, call: Call, action: str) -> bool:
    rule = ACTION_RULES[action]
    if user.has_role(*rule.get("roles", ())):
        return True
    if not user.has_role(*CALL_CENTER):
        return False
    if rule.get("owner") and call.owner_id == user.pk:
        return True
    return bool(rule.get("agent")) and call.agent_id == user.pk


def user_may_take_callback(user, callback: Callback, action: str) -> bool:
    rule = CALLBACK_RULES[action]
    if user.has_role(*rule.get("roles", ())):
        return True
    return bool(rule.get("assigned")) and callback.assigned_to_id == user.pk and user.has_role(*CALL_CENTER)


def user_may_work_callbacks(user) -> bool:
    """Take, close or cancel callbacks at all (the list's buttons): the call center."""
    return user.has_role(*CALL_CENTER)


def user_may_call_back(user, callback: Callback) -> bool:
    """Open the outgoing call of a callback on the console: who took it (or a
    supervisor), while calling or once the customer was reached."""
    if not callback.call.caller or not user.has_role(*CALL_CENTER):
        return False
    if callback.state != Callback.State.TAKEN and callback.outcome != Callback.Outcome.REACHED:
        return False
    return callback.assigned_to_id == user.pk or user.has_role(Role.SUPERVISOR)


def actions_possible(call: Call, now=None) -> list[str]:
    """What the call allows now, whoever asks: its state's actions, but
    "close" only for a ring older than CALL_RING_STALE_SECONDS (before that
    the caller may still be on the line)."""
    return [a for a in actions_allowed_in(call.state) if a != "close" or ring_is_stale(call, now)]


def call_actions_for(user, call: Call) -> list[str]:
    return [a for a in actions_possible(call) if user_may_take(user, call, a)]


def callback_actions_for(user, callback: Callback) -> list[str]:
    return [a for a in callback_actions_allowed_in(callback.state) if user_may_take_callback(user, callback, a)]


def hand_over_candidates():
    from servicedesk.accounts.models import User

    return User.objects.filter(is_active=True, groups__name__in=HAND_OVER_ROLES).distinct().order_by("username")


def with_relations(qs: QuerySet) -> QuerySet:
    return qs.select_related("customer", "agent", "owner", "offered_to", "callback", "callback__assigned_to",
                             "joined_callback", "joined_callback__assigned_to") \
        .prefetch_related("deadlines", "callback__deadlines", "joined_callback__deadlines")


def call_history(call: Call) -> QuerySet:
    return CallTransition.objects.filter(call=call).select_related("by").order_by("at", "id")


def call_links(call: Call) -> list:
    """What was filed from the call, the objects loaded (one query per type)."""
    links = list(call.links.select_related("content_type", "by"))
    by_type = {}
    for link in links:
        by_type.setdefault(link.content_type_id, set()).add(link.object_id)
    objects = {}
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        for pk, obj in model.objects.in_bulk(ids).items():
            objects[(ct_id, pk)] = obj
    for link in links:
        link.loaded = objects.get((link.content_type_id, link.object_id))
    return links


def _callback_due():
    return Subquery(
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Callback), object_id=OuterRef("pk"), kind="callback",
        ).order_by("-started_at").values("due_at")[:1]
    )


def callback_queue(user) -> QuerySet:
    """Open callbacks, most urgent first (earliest callback due time); the
    ones this user took come with the rest. Annotated with `due_at`."""
    if not user_may_read_calls(user):
        return Callback.objects.none()
    return (
        Callback.objects.filter(state__in=Callback.OPEN_STATES)
        .annotate(due_at=_callback_due())
        .select_related("call", "call__customer", "assigned_to")
        .prefetch_related("deadlines")
        .order_by(F("due_at").asc(nulls_last=True), "created_at", "id")
    )


CALLBACK_VIEWS = ("waiting", "mine", "done")


def callback_list(user, *, show="waiting", now=None) -> QuerySet:
    """The callbacks page (issue 5): "waiting" is the queue (every open
    callback, most urgent first); "mine" the open ones this user took;
    "done" the ones closed today (organisation's day). Annotated with `due_at`."""
    if not user_may_read_calls(user):
        return Callback.objects.none()
    if show == "mine":
        qs = callback_queue(user).filter(assigned_to=user)
    elif show == "done":
        start, end = day_bounds(timezone.localdate(now or timezone.now()))
        qs = (Callback.objects.exclude(state__in=Callback.OPEN_STATES).filter(closed_at__gte=start, closed_at__lt=end)
              .annotate(due_at=_callback_due()).select_related("call", "call__customer", "assigned_to")
              .order_by("-closed_at", "-id"))
    else:
        qs = callback_queue(user)
    return qs


def _stale_cutoff(now=None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(seconds=settings.SERVICEDESK["CALL_RING_STALE_SECONDS"])


def _rang_since(cutoff) -> Q:
    # A call known only from a transfer has no ring time yet: its first report counts.
    return Q(rang_at__gte=cutoff) | Q(rang_at__isnull=True, created_at__gte=cutoff)


def live_ringing(now=None):
    """Calls ringing now. A ring older than CALL_RING_STALE_SECONDS is a call
    whose hang-up the switch never reported: it no longer pops on consoles
    nor counts on the wallboard, and the periodic task `calls.close_stale_rings`
    closes it as abandoned (stale_ringing)."""
    return Call.objects.filter(state=Call.State.RINGING).filter(_rang_since(_stale_cutoff(now)))


def stale_ringing(now=None):
    """Calls still ringing CALL_RING_STALE_SECONDS after the ring: the switch
    lost their hang-up. The complement of live_ringing among ringing calls."""
    cutoff = _stale_cutoff(now)
    return Call.objects.filter(state=Call.State.RINGING).filter(
        Q(rang_at__lt=cutoff) | Q(rang_at__isnull=True, created_at__lt=cutoff))


def ring_is_stale(call: Call, now=None) -> bool:
    if call.state != Call.State.RINGING:
        return False
    started = call.rang_at or call.created_at
    return started is not None and started < _stale_cutoff(now)


def console_call_for(user) -> Call | None:
    """The call to show on this agent's console now, in one query: the call
    the agent is on; else one ringing at their extension; else the oldest
    ringing at nobody in particular."""
    if not user.is_authenticated or not user.has_role(*CALL_CENTER):
        return None
    return (
        Call.objects.filter(
            Q(state=Call.State.ANSWERED, agent=user)
            | Q(pk__in=live_ringing().filter(Q(offered_to=user) | Q(offered_to__isnull=True)).values("pk"))
        )
        .select_related("customer", "agent", "owner", "offered_to")
        .annotate(rank=Case(
            When(state=Call.State.ANSWERED, then=Value(0)),
            When(offered_to=user, then=Value(1)),
            default=Value(2), output_field=IntegerField(),
        ))
        .order_by("rank", F("rang_at").asc(nulls_last=True), "id")
        .first()
    )


def day_bounds(day: datetime.date):
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def wallboard_stats(day: datetime.date | None = None, *, now: datetime.datetime | None = None) -> dict:
    """The call center's day at a glance (times in the organisation's zone):
    ringing now and the longest wait, share answered within 3 rings,
    abandoned, callbacks waiting and overdue, and per agent."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    start, end = day_bounds(day)
    limit = answer_limit()
    phone_today = Call.objects.filter(channel=Call.Channel.PHONE, rang_at__gte=start, rang_at__lt=end)

    ringing = live_ringing(now).count()
    oldest = live_ringing(now).filter(rang_at__isnull=False).order_by("rang_at") \
        .values_list("rang_at", flat=True).first()
    totals = phone_today.aggregate(
        total=Count("id"),
        answered=Count("id", filter=Q(answered_at__isnull=False)),
        within=Count("id", filter=Q(answered_at__isnull=False, answered_at__lte=F("rang_at") + limit)),
        abandoned=Count("id", filter=Q(state=Call.State.ABANDONED)),
    )
    answered = totals["answered"]
    open_callbacks = Callback.objects.filter(state__in=Callback.OPEN_STATES).annotate(due_at=_callback_due())
    callbacks = open_callbacks.aggregate(
        waiting=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)),
        taken=Count("id", filter=Q(state=Callback.State.TAKEN)),
    )
    per_agent = []
    rows = (
        phone_today.filter(answered_at__isnull=False, agent__isnull=False)
        .values("agent", "agent__username", "agent__first_name", "agent__last_name")
        .annotate(
            answered=Count("id"),
            within=Count("id", filter=Q(answered_at__lte=F("rang_at") + limit)),
            avg_answer=Avg(F("answered_at") - F("rang_at")),
        )
        .order_by("agent__username")
    )
    for row in rows:
        avg = row["avg_answer"]
        name = f"{row['agent__first_name']} {row['agent__last_name']}".strip() or row["agent__username"]
        per_agent.append({
            "agent": row["agent__username"], "name": name, "answered": row["answered"], "within": row["within"],
            "within_percent": round(100 * row["within"] / row["answered"], 1) if row["answered"] else None,
            "avg_answer_seconds": round(avg.total_seconds(), 1) if avg is not None else None,
        })
    return {
        "day": day,
        "now": now,
        "ringing": ringing,
        "longest_wait_seconds": int((now - oldest).total_seconds()) if oldest else None,
        "calls": totals["total"],
        "answered": answered,
        "within_three_rings": totals["within"],
        "within_percent": round(100 * totals["within"] / answered, 1) if answered else None,
        "abandoned": totals["abandoned"],
        "callbacks_waiting": callbacks["waiting"],
        "callbacks_taken": callbacks["taken"],
        "callbacks_overdue": callbacks["overdue"],
        "agents": per_agent,
        "answer_limit_seconds": int(limit.total_seconds()),
    }
