"""Calls, the events the telephone switch reports, the 3-ring rule and the
callbacks of abandoned calls (api-contract.md, Calls; domain.md section 2;
issue 5).

A `Call` is answered within 3 rings (seeds/000, seeds/001): its `answer`
deadline runs from the ring for CALL_RING_SECONDS x CALL_ANSWER_RINGS (15 s by
default) and is met at the answer. A call hung up before it was answered is
`abandoned` and opens one `Callback` with a `callback` deadline (2 hours by
default, never beyond the 24-hour response rule of seeds/003).

First-question responsibility (seeds/000, seeds/001, seeds/002): the agent
who answers owns the call (`owner`) and everything filed from it
(`CallLink`); only an explicit hand-over with a note changes the owner.
"""

import datetime
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from servicedesk.core.history import TransitionRecord
from servicedesk.customers.models import Customer
from servicedesk.deadlines.models import Deadline


def answer_limit() -> datetime.timedelta:
    """seeds/000, seeds/001: answer within 3 rings; one ring is about 5 s in
    China (domain.md section 2), both configurable."""
    conf = settings.SERVICEDESK
    return datetime.timedelta(seconds=conf["CALL_RING_SECONDS"] * conf["CALL_ANSWER_RINGS"])


def new_call_id() -> str:
    return uuid.uuid4().hex


class Call(FSMModelMixin, models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        WALK_IN = "walk_in", _("Walk-in")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("E-mail")
        # The agent calls a customer back (issue 5: the callback of an
        # abandoned call); opened by hand, not reported by the switch.
        OUTBOUND = "outbound", _("Callback (outgoing call)")

    class State(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("Answered")
        ABANDONED = "abandoned", _("Abandoned")
        ENDED = "ended", pgettext_lazy("call state", "Ended")

    call_id = models.CharField(_("call id"), max_length=100, unique=True, default=new_call_id)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    state = FSMField(_("state"), max_length=12, choices=State.choices, default=State.RINGING, protected=True)
    caller = models.CharField(_("caller"), max_length=20, blank=True, help_text=_("Normalised phone number."))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="calls", verbose_name=_("customer")
    )
    offered_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("ringing at"), help_text=_("The agent whose extension rings."),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("agent"), help_text=_("Who is on the call now (changes with a transfer)."),
    )
    # First-question responsibility: the answering agent; changed only by a hand-over.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )
    rang_at = models.DateTimeField(_("rang at"), null=True, blank=True)
    answered_at = models.DateTimeField(pgettext_lazy("call", "answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("reported by"),
    )
    note = models.TextField(_("note"), blank=True)
    # abandoned while its number had an open callback: added to it (issue 13 item 7)
    joined_callback = models.ForeignKey("Callback", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="joined_calls", verbose_name=_("added to callback"))

    deadlines = GenericRelation(Deadline, related_query_name="call")

    class Meta:
        ordering = ["-rang_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            # The console: the call ringing at or taken by this agent.
            models.Index(fields=["state", "offered_to"], name="call_state_offered"),
            models.Index(fields=["state", "agent"], name="call_state_agent"),
            # The wallboard and the day's list.
            models.Index(fields=["rang_at"], name="call_rang_at"),
            models.Index(fields=["caller", "rang_at"], name="call_caller"),
        ]

    def __str__(self):
        return _("Call %(id)s") % {"id": self.call_id[:12]}

    def get_absolute_url(self):
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("call-detail", args=[self.call_id])
        except NoReverseMatch:  # pages not routed (API-only deployment)
            return f"/api/v1/calls/{self.call_id}/"

    @property
    def answer_seconds(self) -> float | None:
        # only the switch's phone calls ring; a walk-in, WeChat, e-mail or outbound contact has no answer time
        if self.channel != self.Channel.PHONE:
            return None
        if self.rang_at is None or self.answered_at is None:
            return None
        return (self.answered_at - self.rang_at).total_seconds()

    @property
    def within_three_rings(self) -> bool | None:
        """Answered no later than 3 rings after the ring (15 s: true at 15 s,
        false at 16 s). None while unknown; false once abandoned."""
        if self.channel != self.Channel.PHONE:
            return None
        if self.answer_seconds is not None:
            return self.answer_seconds <= answer_limit().total_seconds()
        if self.state == self.State.ABANDONED:
            return False
        return None

    @property
    def is_open(self):
        return self.state in (self.State.RINGING, self.State.ANSWERED)

    @classmethod
    def deadline_subjects(cls, ids):
        return cls.objects.select_related("owner", "agent", "offered_to").in_bulk(ids)

    def deadline_responsible(self):
        """The agent on it (or whose extension rings) and their unit."""
        person = self.owner or self.agent or self.offered_to
        return (person.unit_id if person else None), person

    # --- transitions: fields only --------------------------------------------

    @transition(field=state, source=State.RINGING, target=State.ANSWERED)
    def answer(self, *, agent, at):
        self.answered_at = at
        self.agent = agent
        if self.owner_id is None:
            self.owner = agent

    @transition(field=state, source=State.RINGING, target=State.ABANDONED)
    def abandon(self, *, at):
        self.ended_at = at

    @transition(field=state, source=State.ANSWERED, target=State.ENDED)
    def end(self, *, at):
        self.ended_at = at

    @transition(field=state, source=State.ABANDONED, target=State.ENDED)
    def late_answer(self, *, agent, at):
        """The answer event arrived after the hangup (events out of order)."""
        self.answered_at = at
        self.agent = agent
        if self.owner_id is None:
            self.owner = agent

    @transition(field=state, source=State.ABANDONED, target=State.ANSWERED)
    def answer_after_close(self, *, agent, at):
        """Answered after the call was closed as abandoned without the
        switch's hang-up (calls.close_stale_rings, or a supervisor): the
        caller waited longer than the close assumed and is on the line now;
        the switch's hang-up ends the call."""
        self.answered_at = at
        self.ended_at = None
        self.agent = agent
        if self.owner_id is None:
            self.owner = agent

    # The question stays the owner's after the call ended, until handed over.
    @transition(field=state, source=[State.ANSWERED, State.ENDED], target=None)
    def hand_over(self, *, to):
        self.owner = to


# Actions people take on a call by hand (the switch's events are not actions).
# "close": a supervisor closes a ring whose hang-up the switch never reported
# (only once it is past CALL_RING_STALE_SECONDS: calls.selectors.actions_possible).
ACTIONS = {"hand-over": "hand_over", "end": "end", "close": "abandon"}


def actions_allowed_in(state: str) -> list[str]:
    return [a for a, m in ACTIONS.items() if getattr(Call, m)._django_fsm.has_transition(state)]


class CallEvent(models.Model):
    """An event as the switch reported it. One row per (call, key): ring,
    answer and hangup happen once per call, so a repeat (even with another
    time) changes nothing; a transfer is keyed by its time and agent."""

    class Event(models.TextChoices):
        RING = "ring", _("Ring")
        ANSWER = "answer", _("Answer")
        HANGUP = "hangup", _("Hang-up")
        TRANSFER = "transfer", _("Transfer")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="raw_events", verbose_name=_("call"))
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    key = models.CharField(pgettext_lazy("call event", "key"), max_length=120)
    at = models.DateTimeField(_("at"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("agent"),
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    received_at = models.DateTimeField(pgettext_lazy("call event", "received at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("telephony event")
        verbose_name_plural = _("telephony events")
        constraints = [models.UniqueConstraint(fields=["call", "key"], name="call_event_once")]

    def __str__(self):
        return f"{self.call_id} {self.event} {self.at:%H:%M:%S}"


class Callback(FSMModelMixin, models.Model):
    """Calling back the customer of an abandoned call (issue 5)."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting")
        TAKEN = "taken", _("Taken")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Customer reached")
        NOT_REACHED = "not_reached", _("Not reached")
        CALLED_AGAIN = "called_again", _("The customer called again and was answered")
        ANSWERED_LATE = "answered_late", _("The call had been answered after all")

    OPEN_STATES = (State.OPEN, State.TAKEN)

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="callback", verbose_name=_("call"))
    # The caller's number, here so the database holds one open callback per
    # number (callback_open_per_number, issue 13 item 7).
    number = models.CharField(_("caller"), max_length=20, blank=True)
    missed_calls = models.PositiveSmallIntegerField(_("missed calls"), default=1)
    state = FSMField(_("state"), max_length=10, choices=State.choices, default=State.OPEN, protected=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=pgettext_lazy("callback", "taken by"),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    taken_at = models.DateTimeField(pgettext_lazy("callback", "taken at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    deadlines = GenericRelation(Deadline, related_query_name="callback")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [
            models.Index(fields=["state", "created_at"], name="callback_queue"),
            models.Index(fields=["assigned_to", "state"], name="callback_assignee"),
        ]
        constraints = [models.UniqueConstraint(
            fields=["number"], condition=models.Q(state__in=["open", "taken"]) & ~models.Q(number=""),
            name="callback_open_per_number")]

    def __str__(self):
        return _("Callback for call %(id)s") % {"id": self.call.call_id[:12]}

    def get_absolute_url(self):
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("call-detail", args=[self.call.call_id])
        except NoReverseMatch:
            return f"/api/v1/callbacks/{self.pk}/"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    @classmethod
    def deadline_subjects(cls, ids):
        return cls.objects.select_related("call", "assigned_to", "call__offered_to").in_bulk(ids)

    def deadline_responsible(self):
        """Whoever took it; else the call center's supervisors (the unit of
        the agent the call rang at, if any)."""
        if self.assigned_to_id:
            return self.assigned_to.unit_id, self.assigned_to
        offered = self.call.offered_to
        return (offered.unit_id if offered else None), None

    # --- transitions: fields only --------------------------------------------

    @transition(field=state, source=State.OPEN, target=State.TAKEN)
    def take(self, *, by, at):
        self.assigned_to = by
        self.taken_at = at

    @transition(field=state, source=State.TAKEN, target=RETURN_VALUE(State.TAKEN, State.DONE))
    def complete(self, *, reached, note_text, at, max_attempts):
        """One attempt to call back. Reached: done. Not reached: tried again
        later, until `max_attempts`, then done as not reached."""
        self.attempts += 1
        self.note = note_text
        if not reached and self.attempts < max_attempts:
            return self.State.TAKEN
        self.outcome = self.Outcome.REACHED if reached else self.Outcome.NOT_REACHED
        self.closed_at = at
        return self.State.DONE

    @transition(field=state, source=[State.OPEN, State.TAKEN], target=State.CANCELLED)
    def cancel(self, *, outcome, note_text, at):
        self.outcome = outcome
        self.note = note_text
        self.closed_at = at


CALLBACK_ACTIONS = {"take": "take", "complete": "complete"}


def callback_actions_allowed_in(state: str) -> list[str]:
    return [a for a, m in CALLBACK_ACTIONS.items() if getattr(Callback, m)._django_fsm.has_transition(state)]


class CallTransition(TransitionRecord):
    """History of a call and its callback: events that changed it, transfers,
    hand-overs, callback steps. Immutable (trigger on PostgreSQL)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="history", verbose_name=_("call"))
    callback = models.ForeignKey(
        Callback, on_delete=models.PROTECT, null=True, blank=True, related_name="history", verbose_name=_("callback")
    )

    class Meta(TransitionRecord.Meta):
        verbose_name = _("call history")
        verbose_name_plural = _("call history")
        indexes = [models.Index(fields=["call", "at"], name="call_history_at")]
