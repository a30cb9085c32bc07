"""Every measure of the contract (api-contract.md, Measures), each defined
once, with its source in the documents (domain.md section 8 and the seeds).

A measure answers two querysets over the same scope: the denominator's rows
and the numerator's rows. The API's numbers are their counts and the lists
behind the numbers are the same querysets, so a number and its list always
agree (tests/test_measures.py proves it for every code).

Deadline-based measures (contract): the deadlines of the kind due in the
period that are decided, met or past due while their clock runs (a paused
clock is not decided); the numerator those met by `due_at`. They count by
kind over every object that carries that kind, so the kinds other apps add
(`survey`, `follow_up`, `appointment`) are counted as soon as they exist."""

from __future__ import annotations

import abc
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from calls.models import Call
from calls.models.call import answer_limit
from complaints.models import Complaint
from servicedesk.deadlines import registry
from servicedesk.deadlines.models import Deadline
from tickets.models import WorkOrder

from .scope import Scope
from .subjects import NOTHING, subject_q, work_orders


def _count(rows: QuerySet, cache: dict) -> int:
    key = str(rows.query)
    if key not in cache:
        cache[key] = rows.count()
    return cache[key]


@dataclass(frozen=True)
class Measure(abc.ABC):
    code: str
    label: str
    source: str
    what: str
    # "deadline", "work_order" or "call": what the lists show.
    item: str
    # The field whose local date places a row in a day (the daily trend).
    day_field: str

    @abc.abstractmethod
    def denominator(self, scope: Scope) -> QuerySet:
        """The rows the rate is counted over (each kind of measure says which)."""

    def numerator_q(self) -> Q | None:
        """The numerator as a condition on the denominator's rows; None when
        the numerator is rows of its own (numerator())."""
        return None

    def numerator(self, scope: Scope) -> QuerySet:
        return self.denominator(scope).filter(self.numerator_q())

    def counts(self, scope: Scope, cache: dict | None = None) -> tuple[int, int]:
        """(numerator, denominator), in one query when the numerator is a
        condition on the denominator's rows. `cache` (one per answer) keeps
        what several measures share: a code's counts, a queryset's count."""
        cache = {} if cache is None else cache
        if self.code and self.code in cache:
            return cache[self.code]
        q = self.numerator_q()
        if q is None:
            found = _count(self.numerator(scope), cache), _count(self.denominator(scope), cache)
        else:
            row = self.denominator(scope).aggregate(d=Count("pk"), n=Count("pk", filter=q))
            found = row["n"], row["d"]
        if self.code:
            cache[self.code] = found
        return found

    def missed(self, scope: Scope) -> QuerySet | None:
        """The rows of the denominator not in the numerator (the late ones)."""
        q = self.numerator_q()
        return None if q is None else self.denominator(scope).exclude(q)


@dataclass(frozen=True)
class DeadlineMeasure(Measure):
    kind: str = ""
    model: type | None = None
    # A condition on the subject (an emergency or not).
    subject: Q | None = None
    item: str = "deadline"
    day_field: str = "due_at"

    def _subjects(self, scope: Scope) -> Q:
        if self.model is None and self.subject is None and not scope.filters:
            return Q()
        models = [self.model] if self.model else [s.model for s in registry.subjects()]
        parts = Q()
        for model in models:
            q = subject_q(model, scope.filters)
            if q == NOTHING:
                continue
            if self.subject is not None:
                q &= self.subject
            ct = ContentType.objects.get_for_model(model)
            if q == Q():
                parts |= Q(content_type=ct)
            else:
                parts |= Q(content_type=ct, object_id__in=model.objects.filter(q).values("pk"))
        return parts if parts != Q() else NOTHING

    def denominator(self, scope: Scope) -> QuerySet:
        return Deadline.objects.filter(
            self._subjects(scope), kind=self.kind, due_at__gte=scope.start, due_at__lt=scope.end,
            cancelled_at__isnull=True,
        ).filter(Q(met_at__isnull=False) | Q(due_at__lt=scope.moment, paused_at__isnull=True))

    def numerator_q(self) -> Q:
        return Q(met_at__isnull=False, met_at__lte=F("due_at"))


EMERGENCY = Q(kind=WorkOrder.Kind.EMERGENCY)


@dataclass(frozen=True)
class NotEmergencyArrive(DeadlineMeasure):
    """Counted as every order's `arrive` deadlines less the emergencies' (the
    same rows as the list, which excludes the emergencies): two index-only
    counts instead of a join with the 90% of orders that are not emergencies."""

    def counts(self, scope: Scope, cache: dict | None = None) -> tuple[int, int]:
        cache = {} if cache is None else cache
        every = DeadlineMeasure(code="", label="", source="", what="", kind=self.kind, model=WorkOrder)
        (n_all, d_all) = every.counts(scope, cache)
        (n_em, d_em) = BY_CODE["emergency_within_30_min"].counts(scope, cache)
        return n_all - n_em, d_all - d_em


@dataclass(frozen=True)
class AnswerMeasure(Measure):
    """seeds/000, seeds/001: answer within 3 rings (calls.models.answer_limit)."""

    item: str = "call"
    day_field: str = "rang_at"

    def denominator(self, scope: Scope) -> QuerySet:
        if scope.filters:
            return Call.objects.none()
        return Call.objects.filter(channel=Call.Channel.PHONE, rang_at__gte=scope.start, rang_at__lt=scope.end) \
            .exclude(state=Call.State.RINGING)

    def numerator_q(self) -> Q:
        return Q(answered_at__isnull=False, answered_at__lte=F("rang_at") + answer_limit())


def _signed_off(scope: Scope) -> QuerySet:
    return WorkOrder.objects.filter(work_orders(scope.filters), signed_off_at__gte=scope.start,
                                    signed_off_at__lt=scope.end)


@dataclass(frozen=True)
class FirstTimeFixMeasure(Measure):
    """seeds/001 一次就好: fixed at the first visit: no take-back, no second
    check-in, no revisit opened. The work-order machine allows one check-in
    per order (check-in leaves `accepted`/`scheduled`, which an order never
    re-enters after `on_site`: tests/test_measures.py pins it), so a second
    visit is a take-back (`promised_by`) or a revisit; a repeat within the
    warranty also marks the order (`repeat_repair`)."""

    item: str = "work_order"
    day_field: str = "signed_off_at"

    def denominator(self, scope: Scope) -> QuerySet:
        return _signed_off(scope)

    def numerator(self, scope: Scope) -> QuerySet:
        return self._clean(scope).filter(~Exists(WorkOrder.objects.filter(revisit_of=OuterRef("pk"))))

    @staticmethod
    def _clean(scope: Scope) -> QuerySet:
        return _signed_off(scope).filter(promised_by__isnull=True, repeat_repair=False)

    def counts(self, scope: Scope, cache: dict | None = None) -> tuple[int, int]:
        """The numerator's rows counted as the clean sign-offs less those a
        revisit was opened for (revisits are few: counted from their side,
        not by a probe per signed-off order); the list is numerator()."""
        cache = {} if cache is None else cache
        if self.code not in cache:
            revisited = WorkOrder.objects.filter(
                work_orders(scope.filters, prefix="revisit_of__"), revisit_of__isnull=False,
                revisit_of__signed_off_at__gte=scope.start, revisit_of__signed_off_at__lt=scope.end,
                revisit_of__promised_by__isnull=True, revisit_of__repeat_repair=False,
            ).values("revisit_of").distinct()
            signed = self.denominator(scope)
            found = signed.aggregate(d=Count("pk"), clean=Count("pk", filter=Q(promised_by__isnull=True,
                                                                               repeat_repair=False)))
            cache[str(signed.query)] = found["d"]  # the repeat-repair measure's denominator too
            cache[self.code] = (found["clean"] - _count(revisited, cache), found["d"])
        return cache[self.code]


@dataclass(frozen=True)
class RepeatRepairMeasure(Measure):
    """seeds/003: a repeat within the repair warranty counts against the first
    repair, so the filters follow the first repair (its technician, station)."""

    item: str = "work_order"
    day_field: str = "signed_off_at"

    def denominator(self, scope: Scope) -> QuerySet:
        return _signed_off(scope)

    def numerator(self, scope: Scope) -> QuerySet:
        return WorkOrder.objects.filter(
            work_orders(scope.filters, prefix="revisit_of__"), revisit_of__isnull=False,
            revisit_of__repeat_repair=True, reported_at__gte=scope.start, reported_at__lt=scope.end,
        )


def _deadline(code, label, kind, source, what, **kw) -> DeadlineMeasure:
    return DeadlineMeasure(code=code, label=label, source=source, what=what, kind=kind, **kw)


MEASURES: list[Measure] = [
    AnswerMeasure(
        code="answer_within_3_rings", label=_("Calls answered within 3 rings"), source="seeds/000, seeds/001",
        what=_("Switch calls answered within three rings, of the calls that rang in the period (ringing now "
               "does not count yet; abandoned counts as not answered)."),
    ),
    _deadline("respond_within_24h", _("Responded within 24 hours"), "respond", "seeds/003",
              _("“respond” deadlines met on time."), model=WorkOrder),
    NotEmergencyArrive(
        code="arrive_within_24h", label=_("On site within 24 hours"), source="seeds/001", kind="arrive",
        what=_("“arrive” deadlines of orders that are not emergencies, met on time."), model=WorkOrder,
        subject=~EMERGENCY),
    _deadline("emergency_within_30_min", _("Emergencies on site within 30 minutes"), "arrive", "seeds/001",
              _("“arrive” deadlines of emergencies, met on time."), model=WorkOrder, subject=EMERGENCY),
    _deadline("appointment_kept", _("Appointments kept"), "appointment", "seeds/002",
              _("“appointment” deadlines met on time.")),
    _deadline("depot_repair_within_3_days", _("Depot repairs within 3 days"), "repair", "seeds/004",
              _("“repair” deadlines (taken back, depot repair) met on time.")),
    FirstTimeFixMeasure(
        code="first_time_fix", label=_("First-time fix"), source="seeds/001",
        what=_("Orders signed off in the period fixed at the first visit: no take-back, no second check-in, "
               "no revisit opened."),
    ),
    RepeatRepairMeasure(
        code="repeat_repair", label=_("Repeat-repair rate"), source="seeds/003",
        what=_("Revisits opened in the period within the first repair's warranty, of the orders signed off "
               "in the period."),
    ),
    _deadline("survey_done", _("Surveys done on time"), "survey", "seeds/003, seeds/004",
              _("“survey” deadlines met on time.")),
    _deadline("follow_up_done", _("Follow-ups done on time"), "follow_up", "seeds/002, seeds/004",
              _("“follow_up” deadlines met on time.")),
    _deadline("complaint_register_on_time", _("Complaints registered on time"), "register", "seeds/000",
              _("Complaint task sheets filled within 1 working day (“register” deadlines met on time)."),
              model=Complaint),
    _deadline("complaint_reply_on_time", _("Complaints replied on time"), "reply", "seeds/000",
              _("Handling unit replied within 3 working days (“reply” deadlines met on time)."),
              model=Complaint),
    _deadline("complaint_return_visit_on_time", _("Complaint return visits on time"), "return_visit", "seeds/000",
              _("Return visit within 2 working days of the result (“return_visit” deadlines met on time)."),
              model=Complaint),
    _deadline("complaint_overall_on_time", _("Complaints resolved within 5 days"), "overall", "seeds/000",
              _("Result to the customer within 5 days of receipt (“overall” deadlines met on time)."),
              model=Complaint),
]

BY_CODE = {m.code: m for m in MEASURES}
# The daily trend's lines on the page.
MAIN = ("answer_within_3_rings", "respond_within_24h", "arrive_within_24h", "first_time_fix")
