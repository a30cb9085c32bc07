"""Technician scorecards per month (seeds/004 服务人员考核: service
enthusiasm, skill, speed, customers' evaluation, error rate, service
incidents, compliance with the standards; quantitative wherever possible,
results followed by rewards or penalties).

Each criterion is measured from data the product holds, with the same
definitions as the measures (measures/definitions.py), turned into 0..100
and weighted; a criterion with no data that month is left out of the
weighting (and shown as such). The weights and the grade bands are settings:
MEASURES_SCORECARD_WEIGHTS, MEASURES_SCORECARD_GRADES."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from technicians.models import Technician

from . import compliance, satisfaction
from .definitions import BY_CODE
from .scope import Scope

DEFAULT_WEIGHTS = {"attitude": 1, "skill": 1, "speed": 1, "rating": 1, "errors": 1, "incidents": 1,
                   "compliance": 1}
# (lowest score, grade), best first.
DEFAULT_GRADES = [(90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "E")]
INCIDENT_PENALTY = 25  # points off per complaint against the technician


@dataclass
class Criterion:
    key: str
    label: str
    value: str          # what was measured, for people
    score: float | None  # 0..100, None: no data this month
    formula: str


def weights() -> dict:
    return {**DEFAULT_WEIGHTS, **getattr(settings, "MEASURES_SCORECARD_WEIGHTS", {})}


def grades() -> list:
    return list(getattr(settings, "MEASURES_SCORECARD_GRADES", DEFAULT_GRADES))


def grade_for(score: float | None) -> str | None:
    if score is None:
        return None
    for lowest, grade in sorted(grades(), key=lambda band: -band[0]):
        if score >= lowest:
            return grade
    return None


def _mean_score(mean):
    return None if mean is None else round((mean - 1) / 4 * 100, 1)


def _rate(codes, scope):
    n = d = 0
    for code in codes:
        a, b = BY_CODE[code].counts(scope)
        n, d = n + a, d + b
    return n, d


def criteria(technician: Technician, scope: Scope) -> list[Criterion]:
    mine = scope.with_filters(technician=technician.pk)
    survey = satisfaction.summary(mine)
    ftf_n, ftf_d = BY_CODE["first_time_fix"].counts(mine)
    speed_n, speed_d = _rate(("respond_within_24h", "arrive_within_24h", "emergency_within_30_min"), mine)
    rep_n, rep_d = BY_CODE["repeat_repair"].counts(mine)
    if survey["responses"]:
        rating, rating_text = survey["overall"], _("survey, overall score")
    else:
        signed = BY_CODE["first_time_fix"].denominator(mine).aggregate(m=Avg("satisfaction"))["m"]
        rating, rating_text = (round(float(signed), 2) if signed is not None else None), _("score given at sign-off")
    incidents = Complaint.objects.filter(technician=technician, received_at__gte=scope.start,
                                         received_at__lt=scope.end).count()
    checklist = compliance.counts(technician_id=technician.pk, start=scope.start, end=scope.end)
    return [
        Criterion("attitude", str(_("Service attitude")),
                  f"{survey['attitude']}" if survey["attitude"] is not None else "–",
                  _mean_score(survey["attitude"]), str(_("(survey attitude − 1) ÷ 4 × 100"))),
        Criterion("skill", str(_("Skill")), f"{ftf_n}/{ftf_d}",
                  round(ftf_n / ftf_d * 100, 1) if ftf_d else None,
                  str(_("first-time fixes ÷ orders signed off × 100"))),
        Criterion("speed", str(_("Speed")), f"{speed_n}/{speed_d}",
                  round(speed_n / speed_d * 100, 1) if speed_d else None,
                  str(_("respond and arrive deadlines met ÷ decided × 100"))),
        Criterion("rating", str(_("Customers' evaluation")), f"{rating} ({rating_text})" if rating is not None else "–",
                  _mean_score(rating), str(_("(mean score − 1) ÷ 4 × 100"))),
        Criterion("errors", str(_("Error rate")), f"{rep_n}/{rep_d}",
                  round((1 - rep_n / rep_d) * 100, 1) if rep_d else None,
                  str(_("(1 − repeat repairs ÷ orders signed off) × 100"))),
        Criterion("incidents", str(_("Service incidents")), str(incidents),
                  max(0.0, 100.0 - INCIDENT_PENALTY * incidents),
                  str(_("100 − %(n)d per complaint against the technician")) % {"n": INCIDENT_PENALTY}),
        Criterion("compliance", str(_("Compliance with the standards")),
                  f"{checklist[0]}/{checklist[1]}" if checklist else "–",
                  round(checklist[0] / checklist[1] * 100, 1) if checklist else None,
                  str(_("checklist items recorded and passed ÷ items of the orders resolved × 100"))),
    ]


def scorecard(technician: Technician, scope: Scope) -> dict:
    rows = criteria(technician, scope)
    w = weights()
    counted = [(c, w.get(c.key, 0)) for c in rows if c.score is not None and w.get(c.key, 0)]
    total_weight = sum(weight for _c, weight in counted)
    score = round(sum(c.score * weight for c, weight in counted) / total_weight, 1) if total_weight else None
    return {"technician": technician, "criteria": rows, "weights": w, "score": score, "grade": grade_for(score)}
