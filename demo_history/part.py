"""seed_demo's history (issue 19, item 7): `--history-months` months (default
6, SERVICEDESK["DEMO_HISTORY_MONTHS"]; the test settings make it 0) of
finished work orders with their surveys, complaints and calls, ending four
days ago, where today's demo orders begin; today's open work is left as the
other parts made it. Written in bulk by the services' rules (orders.py,
book.py, calls.py); the complaints walk through complaints.services with
the clock moved (complaints.py). Run again, it adds only the days after the
last one it wrote (none on the same day)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from servicedesk.accounts.models import User
from servicedesk.customers.demo import GIVEN, STREETS, SURNAMES
from servicedesk.customers.models import CustomerProduct
from servicedesk.customers.services import customer_match_or_create, customer_product_add
from servicedesk.deadlines.models import CalendarDay
from technicians.selectors import technician_ineligibility
from tickets.models import WorkOrder

from . import calls, complaints
from .orders import Writer
from .timeline import Planner, orders_per_day, reported_time

ARGUMENTS = [
    (
        "--history-months",
        {
            "type": int,
            "default": None,
            "help": "Months of finished history before today's demo orders (default 6; 0: none).",
        },
    )
]
# The present day's demo orders are reported within the last 72 hours (tickets/demo.py): the history ends before.
GAP_DAYS = 4
CUSTOMERS = 240
# Where the demo technicians work and what they are certified for (technicians/demo.py).
AREAS = [
    (
        "北京市朝阳区",
        55,
        [
            "gas_water_heater",
            "water_purifier",
            "air_conditioner",
            "washing_machine",
            "energy_saving_lamp",
            "ceiling_lamp",
        ],
    ),
    ("北京市海淀区", 25, ["gas_water_heater", "water_purifier"]),
    ("上海市浦东新区", 20, ["air_conditioner", "washing_machine"]),
]


def months_back(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


def seed_history(run):
    months = run.options.get("history_months")
    if months is None:
        months = settings.SERVICEDESK.get("DEMO_HISTORY_MONTHS", 6)
    if not months or run.options.get("orders") == 0:
        return
    today = timezone.localdate()
    last = today - datetime.timedelta(days=GAP_DAYS)
    first = months_back(today, months)
    start_of = lambda day: timezone.make_aware(datetime.datetime.combine(day, datetime.time()))  # noqa: E731
    written = (
        WorkOrder.objects.filter(reported_at__lt=start_of(last + datetime.timedelta(days=1)))
        .order_by("-reported_at")
        .values_list("reported_at", flat=True)
        .first()
    )
    if written is not None:
        first = max(first, timezone.localdate(written) + datetime.timedelta(days=1))
    if first > last:
        run.counts.append("history up to date")
        return
    rng = run.rng(90)
    people = dict(run.people)
    people["history_agents"] = [
        people["agent"],
        *User.objects.filter(username__in=["agent2", "agent3"]).order_by("username"),
    ]
    now = timezone.now()
    with transaction.atomic():
        pool = _customers(rng)
        planner = Planner(rng=rng, people=people, pool=pool, eligible=_eligible(people["techs"], pool))
        writer = Writer(now=now, survey_follow_up_days=settings.SERVICEDESK["SURVEY_FOLLOW_UP_WORKING_DAYS"])
        holidays = set(
            CalendarDay.objects.filter(date__gte=first, date__lte=last, kind="holiday").values_list("date", flat=True)
        )
        span = (last - first).days + 1
        end_of_history = start_of(last + datetime.timedelta(days=1))
        revisits = []
        for i in range(span):
            day = first + datetime.timedelta(days=i)
            n = orders_per_day(day, progress=i / span, holiday=day in holidays, rng=rng)
            for reported in sorted(reported_time(day, rng) for _ in range(n)):
                plan = planner.order(reported)
                rate = 0.035 if plan.kind in ("repair", "emergency") else 0.01
                if any(s.action == "close" for s in plan.steps) and rng.random() < rate:
                    planner.revisit(plan, last=end_of_history)
                original = writer.order(plan=plan)
                if plan.revisit is not None:
                    revisits.append((plan.revisit, original))
        for plan, original in revisits:
            writer.order(plan=plan, revisit_of=original)
        made = writer.save()
        made["complaints"] = complaints.walk(people=people, rng=rng, first=first, last=last, holidays=holidays, now=now)
        made["calls"] = calls.write(people=people, rng=rng, first=first, last=last, holidays=holidays, now=now)
    run.counts.append(
        f"history {first}..{last}: {made['orders']} orders, {made['complaints']} complaints, {made['calls']} calls"
    )


def _customers(rng):
    """The history's customers, found again by phone on a second run (customers.services)."""
    pool = []
    categories = {}
    from servicedesk.customers.models import ProductCategory

    for c in ProductCategory.objects.all():
        categories[c.slug] = c
    weights = [w for _a, w, _c in AREAS]
    for i in range(CUSTOMERS):
        area, _w, slugs = rng.choices(AREAS, weights=weights)[0]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        address = f"{area}{rng.choice(STREETS)}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
        customer, address_row = customer_match_or_create(name=name, phone=f"186{i:08d}", address=address)
        if address_row is None:
            address_row = customer.addresses.order_by("id").first()
        products = list(CustomerProduct.objects.filter(customer=customer, serial__startswith="H-"))
        if not products:
            for n in range(1 + (rng.random() < 0.3)):
                slug = rng.choice(slugs)
                products.append(
                    customer_product_add(
                        customer=customer,
                        category=categories[slug],
                        model=f"{slug[:2].upper()}-{rng.randint(1, 12) * 10}",
                        serial=f"H-{i}-{n}",
                        purchase_date=timezone.localdate() - datetime.timedelta(days=rng.randint(200, 1500)),
                    )
                )
        pool.append((customer, address_row, products))
    return pool


def _eligible(techs, pool):
    """(region code, category id) -> the active technicians of that region certified for it (technicians.selectors)."""
    found = {}
    for _customer, address, products in pool:
        for product in products:
            key = (address.region.code, product.category_id)
            if key not in found:
                found[key] = [
                    t
                    for t in techs
                    if address.region in t.regions.all()
                    and technician_ineligibility(technician=t, category=product.category) is None
                ]
    return found
