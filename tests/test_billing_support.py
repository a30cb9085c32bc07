"""Shared builders for the billing tests (no tests here): a published fee
schedule, work orders with a product, and walking an order to the site."""

import datetime
from decimal import Decimal

from billing.models import CategoryBillingPolicy, FeeItem, FeeSchedule, PartPrice, WarrantyTerm
from tests.factories import CategoryFactory
from tickets import services

PARTS = [
    # (code, name, category, component, price)
    ("P-GWH-IGN", "点火针 Ignition needle", "gas_water_heater", "", "45.00"),
    ("P-GWH-VALVE", "水气阀 Water-gas valve", "gas_water_heater", "", "120.00"),
    ("P-CL-BALLAST", "镇流器 Ballast", "ceiling_lamp", "ballast", "60.00"),
    ("P-CL-TUBE", "灯管 Tube", "ceiling_lamp", "tube", "25.00"),
    ("P-CL-COVER", "灯罩 Plastic cover", "ceiling_lamp", "plastic", "33.35"),
    ("P-ESL-LAMP", "节能灯 Energy-saving lamp", "energy_saving_lamp", "", "18.00"),
]
LABOUR = [
    ("L-CALL", "上门费 Call-out", None, "30.00"),
    ("L-GWH-REPAIR", "热水器维修 Heater repair", "gas_water_heater", "80.00"),
    ("L-CL-REPAIR", "灯具维修 Lamp repair", "ceiling_lamp", "20.00"),
]


def fee_schedule(version="v1", effective_from=datetime.date(2020, 1, 1), published=True, factor=Decimal("1")):
    schedule = FeeSchedule.objects.create(version=version, title=f"收费标准 {version}",
                                          effective_from=effective_from, published=published)
    for code, name, slug, component, price in PARTS:
        PartPrice.objects.create(schedule=schedule, code=code, name=name, category=CategoryFactory(slug=slug),
                                 component=component, price=Decimal(price) * factor)
    for code, name, slug, price in LABOUR:
        FeeItem.objects.create(schedule=schedule, code=code, name=name,
                               category=CategoryFactory(slug=slug) if slug else None, price=Decimal(price) * factor)
    return schedule


def gas_term(months=12):
    """No document gives a heater's term: the tests give it one."""
    return WarrantyTerm.objects.create(category=CategoryFactory(slug="gas_water_heater"), months=months)


def lighting_policy():
    return CategoryBillingPolicy.objects.get(category__slug="ceiling_lamp")


def make_order(by, *, slug="gas_water_heater", purchase_date=None, proof="FP-001", manufactured_on=None,
               phone="13800138000"):
    order, _created = services.work_order_create(
        by=by, kind="repair", description="故障",
        customer={"name": "王伟", "phone": phone, "address": "北京市朝阳区建国路88号"},
        product={"category": CategoryFactory(slug=slug), "model": "M1", "serial": f"SN-{phone}",
                 "purchase_date": purchase_date, "proof_of_purchase": proof, "manufactured_on": manufactured_on},
    )
    return order


def on_site(order, *, dispatcher, tech):
    services.work_order_dispatch(order_id=order.pk, technician=tech, by=dispatcher)
    services.work_order_accept(order_id=order.pk, by=tech.user)
    services.work_order_check_in(order_id=order.pk, by=tech.user)
    order.refresh_from_db()
    return order


def ago(days):
    from django.utils import timezone

    return timezone.localdate() - datetime.timedelta(days=days)


def stocked(tech, parts: dict[str, int]):
    """The technician's station holding `parts` (code -> quantity): the parts of
    an accepted quote leave it when the work is resolved (issue 14, item 6)."""
    from billing.models.fees import StockItem
    from tests.factories import UnitFactory

    if tech.station_id is None:
        tech.station = UnitFactory()
        tech.save(update_fields=["station"])
    for code, quantity in parts.items():
        StockItem.objects.update_or_create(unit_id=tech.station_id, part_code=code,
                                           defaults={"name": code, "quantity": quantity})
    return tech.station
