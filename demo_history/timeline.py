"""What happens to each order of the history, drawn with the run's seed:
how many orders a day (a weekday's rhythm, fewer on weekends and
holidays, a slow growth over the months), which kind and product, and the
times of each action. The rates it aims at (docs/measures.md, Demo
history): about 93 % of the 24-hour respond/arrive deadlines met, 92 % of
the 30-minute emergency arrivals, 8 % taken back (most returned by the
promised time), 4 % cancelled, about 3 % of repairs coming back (a revisit,
a repeat repair when inside the repair warranty), satisfaction mostly 4-5
and a few low scores followed up by the supervisor."""

from __future__ import annotations

import dataclasses
import datetime
from types import SimpleNamespace

from django.utils import timezone

from billing.selectors.fees import repair_warranty_of
from tickets.demo import FAULTS

H, M, DAY = datetime.timedelta(hours=1), datetime.timedelta(minutes=1), datetime.timedelta(days=1)
KINDS = ["repair"] * 11 + ["install"] * 4 + ["maintenance"] * 3 + ["emergency"] * 2
SATISFACTION = [5] * 60 + [4] * 28 + [3] * 8 + [2] * 3 + [1]
RESOLUTIONS = [
    "现场修复 Fixed on site",
    "更换配件后试机正常 Part replaced, tested",
    "清洗保养完成 Cleaned and serviced",
    "安装调试完成 Installed and commissioned",
]


@dataclasses.dataclass
class Step:
    action: str
    at: datetime.datetime
    by: object
    note: str = ""
    data: dict | None = None
    kwargs: dict | None = None


@dataclasses.dataclass
class OrderPlan:
    kind: str
    customer: object
    address: object
    product: object
    description: str
    reported_at: datetime.datetime
    creator: object
    steps: list
    free_of_charge: bool = False
    revisit: OrderPlan | None = None  # the order opened when this one's fault came back


def _u(rng, low, high):
    return low + (high - low) * rng.random()


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()) + hour * H)


def orders_per_day(day, *, progress, holiday, rng) -> int:
    """A weekday 20-40 orders, Saturday about half, Sunday and holidays about a quarter; 15 % more by the end."""
    base = 8 if holiday or day.weekday() == 6 else 15 if day.weekday() == 5 else 29
    return max(1, round(base * (0.9 + 0.15 * progress) * _u(rng, 0.8, 1.2)))


def reported_time(day, rng):
    hour = rng.choice([8, 9, 9, 10, 10, 10, 11, 11, 12, 13, 14, 14, 15, 15, 16, 16, 17, 18, 19, 20, 21])
    return _at(day, hour + rng.random())


class Planner:
    """Draws the orders; `people` as seed_demo shares them, `pool` the history's customers."""

    def __init__(self, *, rng, people, pool, eligible):
        self.rng, self.people, self.pool, self.eligible = rng, people, pool, eligible
        self.agents = people["history_agents"]

    def order(self, reported_at, *, kind=None, customer=None, product=None, creator=None, description=None, free=False):
        rng = self.rng
        if customer is None:
            customer = rng.choice(self.pool)
        cust, address, products = customer
        product = product or rng.choice(products)
        kind = kind or rng.choice(KINDS)
        creator = creator or rng.choice(self.agents)
        created = reported_at + _u(rng, 0.5, 3) * M
        plan = OrderPlan(
            kind=kind,
            customer=cust,
            address=address,
            product=product,
            reported_at=reported_at,
            description=description or rng.choice(FAULTS[product.category.slug]),
            creator=creator,
            steps=[Step("create", created, creator)],
            free_of_charge=free,
        )
        plan._pool_entry = customer
        self._walk(plan, created)
        return plan

    def _walk(self, plan, t):
        rng, steps, S = self.rng, plan.steps, Step
        techs = self.eligible[(plan.address.region.code, plan.product.category_id)]
        tech = rng.choice(techs)
        user, dispatcher, agent = tech.user, self.people["dispatcher"], rng.choice(self.agents)
        emergency = plan.kind == "emergency"
        r = plan.reported_at
        if rng.random() < 0.04:  # cancelled by the customer, before anyone came
            at = t + _u(rng, 0.2, 6) * H
            if rng.random() < 0.5:
                d = t + _u(rng, 3, 40) * M
                steps.append(S("dispatch", d, dispatcher, data=_tech(tech), kwargs={"technician": tech}))
                at = max(at, d + 5 * M)
            steps.append(
                S(
                    "cancel",
                    at,
                    agent,
                    note="客户取消 Customer cancelled",
                    kwargs={"reason": "客户取消 Customer cancelled"},
                )
            )
            return
        d = t + (_u(rng, 1, 5) if emergency else _u(rng, 3, 75)) * M
        a = d + (_u(rng, 1, 4) if emergency else _u(rng, 2, 40)) * M
        steps += [S("dispatch", d, dispatcher, data=_tech(tech), kwargs={"technician": tech}), S("accept", a, user)]
        if emergency:  # seeds/001: on site within 30 minutes of the alarm
            check_in = r + (_u(rng, 12, 29) if rng.random() < 0.92 else _u(rng, 31, 75)) * M
            check_in = max(check_in, a + 2 * M)
        else:
            s = a + _u(rng, 5, 90) * M
            if rng.random() < 0.03:  # the technician called the customer late: respond breached
                s = r + _u(rng, 24.2, 28) * H
            if rng.random() < 0.06:  # no slot within the day: on site late
                target = r + _u(rng, 24.5, 40) * H
            else:
                target = min(r + _u(rng, 2, 22) * H, r + 23.5 * H)
                local = timezone.localtime(target)
                if not 8 <= local.hour < 19:
                    morning = _at(local.date() + (DAY if local.hour >= 19 else datetime.timedelta()), 8.5)
                    target = min(morning + _u(rng, 0, 2.5) * H, r + 23.5 * H)
            target = max(target, s + 1 * H)
            appointment = timezone.localtime(target).replace(
                minute=0 if target.minute < 30 else 30, second=0, microsecond=0
            )
            appointment = max(appointment, s + 30 * M)
            steps.append(
                S(
                    "schedule",
                    s,
                    user,
                    data={"appointment_at": appointment.isoformat()},
                    kwargs={"appointment_at": appointment},
                )
            )
            late = rng.random() < 0.04
            check_in = appointment + (_u(rng, 35, 80) if late else _u(rng, -15, 20)) * M
            check_in = max(check_in, s + 10 * M)
        steps.append(S("check-in", check_in, user))
        t = check_in + _u(rng, 20, 110) * M
        if plan.kind != "install" and rng.random() < 0.08:  # seeds/004: taken back, promised within 3 days
            promised = (t + _u(rng, 24, 71) * H).replace(minute=0, second=0, microsecond=0)
            steps.append(
                S("take-back", t, user, data={"promised_by": promised.isoformat()}, kwargs={"promised_by": promised})
            )
            back = promised - _u(rng, 0.5, 20) * H if rng.random() < 0.88 else promised + _u(rng, 2, 30) * H
            t = max(back, t + 4 * H)
            text = "返厂维修完成 Depot repair done"
            steps.append(S("return", t, user, note=text, kwargs={"resolution": text}))
        else:
            text = RESOLUTIONS[3] if plan.kind == "install" else rng.choice(RESOLUTIONS[:3])
            steps.append(S("resolve", t, user, note=text, kwargs={"resolution": text}))
        signed = t + _u(rng, 3, 12) * M
        score = rng.choice(SATISFACTION)
        name = plan.customer.name
        steps.append(
            S(
                "sign-off",
                signed,
                user,
                note=name,
                data={"signed_by": name, "satisfaction": score},
                kwargs={"signed_by": name, "satisfaction": score},
            )
        )
        self._survey(plan, signed, score)
        close = _at(timezone.localdate(signed) + _u(rng, 1, 6) * DAY, 0) + _u(rng, 9.5, 17) * H
        if rng.random() < 0.05:  # the follow-up call came late (seeds/002: within a week)
            close = signed + _u(rng, 7.2, 9) * DAY
        steps.append(S("close", close, rng.choice(self.agents), note="回访满意 Follow-up call done"))
        steps.sort(key=lambda step: step.at)

    def _survey(self, plan, signed, score):
        """aftercare: the satisfaction call the next day (seeds/004), up to three tries."""
        rng = self.rng
        first = _at(timezone.localdate(signed) + DAY, _u(rng, 9, 17.5))
        roll = rng.random()
        tries = 1 if roll < 0.86 else 2 if roll < 0.93 else 3
        answered = roll < 0.93
        for n in range(tries):
            at = first + n * _u(rng, 3, 20) * H
            by = rng.choice(self.agents)
            if answered and n == tries - 1:
                scores = _scores(rng, score)
                plan.steps.append(
                    Step(
                        "survey",
                        at,
                        by,
                        kwargs={"outcome": "answered", "scores": scores, "follow_up": self._follow_up(at)},
                    )
                )
            else:
                plan.steps.append(
                    Step("survey", at, by, note="无人接听 No answer", kwargs={"outcome": "not_reached", "last": n == 2})
                )

    def _follow_up(self, at):
        done = at + _u(self.rng, 1, 20) * H
        return Step("follow_up", done, self.people["supervisor"], note="已致电客户致歉并安排回访 Called, apologised")

    def revisit(self, plan, *, last):
        """seeds/003: the fault back after the sign-off; inside the repair warranty it is a repeat repair."""
        rng = self.rng
        close = next(s for s in plan.steps if s.action == "close")
        at = _at(timezone.localdate(close.at) + rng.randint(3, 50) * DAY, _u(rng, 8.5, 20))  # the customer calls
        if at > last:
            return None
        signed = next(s for s in plan.steps if s.action == "sign-off")
        original = SimpleNamespace(
            category_id=plan.product.category_id, signed_off_at=signed.at, resolved_at=None, closed_at=None
        )
        covered, _until, _days = repair_warranty_of(original, timezone.localdate(at))
        agent = rng.choice(self.agents)
        text = "同一故障再次出现 The same fault is back: " + plan.description
        plan.steps.append(
            Step("revisit", at, agent, note=text, data={"repeat_repair": covered}, kwargs={"repeat": covered})
        )
        kind = plan.kind if plan.kind in ("repair", "emergency") else "repair"
        plan.revisit = self.order(
            at,
            kind=kind,
            customer=plan._pool_entry,
            product=plan.product,
            creator=agent,
            description=text,
            free=covered,
        )
        plan.revisit.steps[0].at = at  # tickets.services.work_order_revisit: reported and created at once
        return plan.revisit


def _tech(tech):
    return {"technician": tech.pk, "technician_username": tech.user.username}


def _scores(rng, score):
    """The four items of the opinion card around the sign-off's score."""
    return [max(1, min(5, score + rng.choice([0, 0, 0, -1, 1]) * (item != 3))) for item in range(4)]
