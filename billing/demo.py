"""This app's part of `manage.py seed_demo`: idempotent (running it twice
changes nothing), called after the organisation, work orders and complaints
exist. `people` maps the demo usernames to users (agent, dispatcher,
supervisor, handler, manager, hr, partner, partner2, telephony, admin)."""


def seed_run(run):
    """seed_demo's registered part (servicedesk/core/demo.py, BillingConfig.ready)."""
    seed(people=run.people, rng=run.rng(2), stdout=run.stdout)


def seed(*, people, rng, stdout):
    """Fees (seed_fees below); returns seed their own part (returns/demo.py)."""
    seed_fees(people=people, rng=rng, stdout=stdout)


# --- fees (issue 6, items 1-5): billing.demo.seed calls seed_fees ------------------

DEMO_SCHEDULE = "2026-v1"
# (code, name, category, component, price): parts of every demo product line.
DEMO_PARTS = [
    ("P-GWH-IGN", "点火针 Ignition needle", "gas_water_heater", "", "45.00"),
    ("P-GWH-VALVE", "水气联动阀 Water-gas valve", "gas_water_heater", "", "120.00"),
    ("P-GWH-BOARD", "控制板 Control board", "gas_water_heater", "", "260.00"),
    ("P-WP-FILTER", "PP棉滤芯 PP filter", "water_purifier", "", "38.00"),
    ("P-WP-RO", "RO膜 RO membrane", "water_purifier", "", "320.00"),
    ("P-AC-CAP", "压缩机电容 Compressor capacitor", "air_conditioner", "", "65.00"),
    ("P-AC-GAS", "制冷剂R32 (每公斤) Refrigerant R32 (per kg)", "air_conditioner", "", "150.00"),
    ("P-WM-BELT", "皮带 Drive belt", "washing_machine", "", "35.00"),
    ("P-WM-PUMP", "排水泵 Drain pump", "washing_machine", "", "90.00"),
    ("P-ESL-LAMP", "节能灯 Energy-saving lamp", "energy_saving_lamp", "", "18.00"),
    ("P-CL-BALLAST", "镇流器 Ballast", "ceiling_lamp", "ballast", "60.00"),
    ("P-CL-TUBE", "灯管 Tube", "ceiling_lamp", "tube", "25.00"),
    ("P-CL-COVER", "灯罩 Plastic cover", "ceiling_lamp", "plastic", "30.00"),
]
DEMO_LABOUR = [
    ("L-CALL", "上门费 Call-out fee", None, "30.00"),
    ("L-GWH-REPAIR", "热水器维修 Water heater repair", "gas_water_heater", "80.00"),
    ("L-WP-SERVICE", "净水器维护 Purifier service", "water_purifier", "50.00"),
    ("L-AC-REPAIR", "空调维修 Air conditioner repair", "air_conditioner", "100.00"),
    ("L-AC-GAS", "空调加氟 Refrigerant refill", "air_conditioner", "80.00"),
    ("L-WM-REPAIR", "洗衣机维修 Washing machine repair", "washing_machine", "70.00"),
]
# No document gives these lines a term: a demo assumption of one year on the whole product.
DEMO_TERMS = ["gas_water_heater", "water_purifier", "air_conditioner", "washing_machine"]


def seed_fees(*, people, rng, stdout):
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from billing.models import (
        FeeItem,
        FeeSchedule,
        PartPrice,
        Payment,
        ServicePointDeposit,
        StockItem,
        WarrantyTerm,
        WorkOrderEntitlement,
    )
    from billing.orders import work_orders_visible_to
    from billing.selectors.fees import decide_for_order
    from billing.services import fees as fee_services
    from servicedesk.accounts.models import Unit

    # Every demo order: the administrator sees them all (billing reads work orders through tickets' rule).
    all_orders = work_orders_visible_to(people["admin"])
    cats = people["categories"]
    schedule, _ = FeeSchedule.objects.get_or_create(version=DEMO_SCHEDULE, defaults={
        "title": "2026年公开收费标准 Public fee schedule 2026",
        "effective_from": datetime.date(timezone.localdate().year, 1, 1), "published": True})
    for code, name, slug, component, price in DEMO_PARTS:
        PartPrice.objects.get_or_create(schedule=schedule, code=code, defaults={
            "name": name, "category": cats[slug], "component": component, "price": Decimal(price)})
    for code, name, slug, price in DEMO_LABOUR:
        FeeItem.objects.get_or_create(schedule=schedule, code=code, defaults={
            "name": name, "category": cats[slug] if slug else None, "price": Decimal(price)})
    for slug in DEMO_TERMS:
        WarrantyTerm.objects.get_or_create(category=cats[slug], component="", applies_to="consumer", defaults={
            "months": 12, "note": "demo: one year on the whole product (no document gives this line a term)"})

    # Most demo customers kept their receipt; one in five has no proof of purchase (seeds/004).
    changed = 0
    orders = all_orders.select_related("product", "revisit_of", "category").prefetch_related("entitlement")
    for order in orders:
        product = order.product
        if product is not None and not product.proof_of_purchase and product.pk % 5:
            product.proof_of_purchase = f"FP{product.pk:07d}"
            product.save(update_fields=["proof_of_purchase"])
        decision = decide_for_order(order)
        current = WorkOrderEntitlement.objects.filter(order=order).values_list("status", "basis", "expires_on").first()
        if current != (decision.status, decision.basis, decision.expires_on):
            fee_services.entitlement_decide(order=order, replace=True)
            changed += 1

    # Parts stock at the demo stations, against a deposit (seeds/004).
    admin = people["admin"]
    # Not strict: a database with a single station gets the first deposit only.
    stations = Unit.objects.filter(kind=Unit.Kind.STATION).order_by("id")[:2]
    for station, deposit in zip(stations, ("5000.00", "3000.00"), strict=False):
        ServicePointDeposit.objects.get_or_create(unit=station, defaults={"amount": Decimal(deposit)})
        for n, (code, name, _slug, _c, _p) in enumerate(DEMO_PARTS):
            if not StockItem.objects.filter(unit=station, part_code=code).exists():
                fee_services.stock_move(unit_id=station.pk, part_code=code, kind="receipt", quantity=1 + (n * 3) % 8,
                                        by=admin, name=name, note="demo")

    # A few paid out-of-warranty repairs among the demo orders already done
    # (seed_demo's --orders stays the number of orders): their quote, the
    # customer's acceptance, the charge and the payment with its receipt.
    paid = 0
    done = all_orders.filter(
        state__in=["resolved", "signed_off", "closed"], technician__isnull=False, quote__isnull=True,
        entitlement__status__in=["out_of_warranty", "no_proof"], category__slug__in=list(DEMO_QUOTE),
    ).select_related("technician__user", "customer", "category", "product", "revisit_of").order_by("id")
    have = Payment.objects.filter(receipt_number__startswith="DEMO-SJ-").count()
    for order in done[:max(0, 3 - have)]:
        paid += _demo_paid_quote(order, schedule, n=paid)
    stdout.write(f"Billing: fee schedule {DEMO_SCHEDULE}, {changed} entitlements decided again, {paid} paid repairs.")


DEMO_QUOTE = {
    "gas_water_heater": [("P-GWH-IGN", 1), ("L-GWH-REPAIR", 1)],
    "water_purifier": [("P-WP-FILTER", 1), ("L-WP-SERVICE", 1)],
    "air_conditioner": [("P-AC-CAP", 1), ("L-AC-REPAIR", 1)],
    "washing_machine": [("P-WM-BELT", 1), ("L-WM-REPAIR", 1)],
    "ceiling_lamp": [("P-CL-TUBE", 2)],
    "energy_saving_lamp": [("P-ESL-LAMP", 1)],
}


def _demo_paid_quote(order, schedule, *, n):
    """The history of a finished paid repair, priced by the same rules as
    billing.services.fees.quote_set (which only quotes before the work)."""
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from billing.models import CategoryBillingPolicy, Quote, QuoteLine
    from billing.services import fees as fee_services

    tech_user = order.technician.user
    entitlement = fee_services._entitlement_for(order)
    policy = CategoryBillingPolicy.objects.filter(category_id=order.category_id).first()
    lines = [{"code": code, "quantity": qty} for code, qty in DEMO_QUOTE[order.category.slug]]
    priced, rule = fee_services._price_lines(order=order, schedule=schedule, entitlement=entitlement,
                                             policy=policy, lines=lines)
    total = sum((line.amount for line in priced), Decimal("0"))
    if total <= 0:
        return 0
    at = order.resolved_at or timezone.now()
    with transaction.atomic():
        quote = Quote.objects.create(
            order=order, schedule=schedule, created_by=tech_user, rule=rule, state=Quote.State.CHARGED,
            repair_fee_percent=policy.repair_fee_percent if policy else Decimal("0"),
            entitlement_status=entitlement.status, total=total,
            parts_total=sum((p.amount for p in priced if p.kind == QuoteLine.Kind.PART), Decimal("0")),
            labour_total=sum((p.amount for p in priced if p.kind == QuoteLine.Kind.LABOUR), Decimal("0")),
            repair_fee=sum((p.amount for p in priced if p.kind == QuoteLine.Kind.REPAIR_FEE), Decimal("0")),
            accepted_by_name=order.customer.name, accepted_at=at, charged_at=at,
        )
        for line in priced:
            line.quote = quote
        QuoteLine.objects.bulk_create(priced)
        for action, from_state, to_state in (("quote", "", "draft"), ("accept", "draft", "accepted"),
                                              ("charge", "accepted", "charged")):
            quote.events.create(action=action, from_state=from_state, to_state=to_state, by=tech_user, at=at,
                                note="demo")
    fee_services.payment_record(order_id=order.pk, by=tech_user, method="cash" if n % 2 == 0 else "online",
                                amount=total, receipt_number=f"DEMO-SJ-{order.pk:06d}",
                                reference="" if n % 2 == 0 else f"WX{4200000000 + order.pk}")
    return 1
