"""This app's part of `manage.py seed_demo` (servicedesk/core/demo.py): a few
hundred work orders in every state, walked there through the real services so
their history and deadlines are real. Adds only what is missing."""

import datetime

from django.utils import timezone

from servicedesk.customers.demo import GIVEN, STREETS, SURNAMES

from . import hooks, services
from .models import WorkOrder

ORDERS = 300
_SIGNATURE = []


def _signed() -> dict:
    """The customer's signature a sign-off and a take-back take (issue 14): a
    stroke drawn once, as a PNG data URL, the way the phone's pad sends it."""
    if not _SIGNATURE:
        import base64
        import io

        from PIL import Image, ImageDraw

        image = Image.new("RGBA", (320, 120), (255, 255, 255, 0))
        ImageDraw.Draw(image).line([(20, 80), (70, 30), (120, 90), (170, 35), (230, 85), (300, 40)],
                                   fill="black", width=4)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        _SIGNATURE.append("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())
    return {"signature": _SIGNATURE[0]}
ARGUMENTS = [("--orders", {"type": int, "default": ORDERS, "help": "How many demo work orders to have (default 300)."})]

FAULTS = {
    "gas_water_heater": ["热水器点不着火", "出水忽冷忽热", "有燃气味，请速来检查", "显示E1故障码"],
    "water_purifier": ["更换滤芯", "净水器漏水", "出水量变小", "新机安装"],
    "air_conditioner": ["空调不制冷", "室外机噪音大", "新空调安装", "遥控器失灵"],
    "energy_saving_lamp": ["节能灯不亮", "灯管发黑"],
    "washing_machine": ["洗衣机不脱水", "滚筒异响"],
    "ceiling_lamp": ["吸顶灯镇流器损坏", "灯罩安装"],
}


def _orders(people, target, rng):
    existing = WorkOrder.objects.count()
    todo = max(0, target - existing)
    states = [s for s, _ in WorkOrder.State.choices]
    now = timezone.now()
    for i in range(todo):
        final = states[i % len(states)]
        slug = rng.choice(list(FAULTS))
        kind = rng.choice(["repair", "repair", "install", "maintenance", "emergency"])
        region = rng.choice(["朝阳区", "朝阳区", "海淀区", "浦东新区"])
        city = "上海市" if region == "浦东新区" else "北京市"
        customer = {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "phone": "13" + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}",
            "address": f"{city}{region}{rng.choice(STREETS)}{rng.randint(1, 30)}号楼"
                       f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
        }
        by = people["partner"] if i % 9 == 0 else people["agent"]
        reported = now - datetime.timedelta(minutes=rng.randint(5, 60 * 72))
        product = {"category": people["categories"][slug], "model": f"M{rng.randint(100, 999)}",
                   "serial": f"SN{rng.randint(10**7, 10**8)}",
                   "purchase_date": (now - datetime.timedelta(days=rng.randint(20, 900))).date()}
        order, _ = services.work_order_create(
            by=by, kind=kind, customer=customer, description=rng.choice(FAULTS[slug]), reported_at=reported,
            product=product, external_ref=f"DEMO-{i}" if by is people["partner"] else "",
        )
        _walk(order, final, people, rng)
    return todo


def _walk(order, final, people, rng):
    """Take the order through the services to `final`."""
    dispatcher, agent = people["dispatcher"], people["agent"]
    cands = [t for t in people["techs"] if t.certifications.filter(category=order.category).exists() and t.active]
    tech = rng.choice(cands[:2] if cands else people["techs"][:2])
    S = WorkOrder.State
    if final == S.RECEIVED:
        return
    if final == S.CANCELLED:
        services.work_order_cancel(order_id=order.pk, by=agent, reason="客户取消 Customer cancelled")
        return
    services.work_order_dispatch(order_id=order.pk, technician=tech, by=dispatcher)
    if final == S.DISPATCHED:
        return
    tu = tech.user
    services.work_order_accept(order_id=order.pk, by=tu)
    if final == S.ACCEPTED:
        return
    appointment = timezone.now() + datetime.timedelta(hours=rng.randint(1, 20))
    services.work_order_schedule(order_id=order.pk, by=tu, appointment_at=appointment)
    if final == S.SCHEDULED:
        return
    services.work_order_check_in(order_id=order.pk, by=tu)
    if final == S.ON_SITE:
        return
    hooks.run_demo_visit(order, tu)  # what the visit records before the work may end (the checklist)
    if final == S.TAKEN_BACK or rng.random() < 0.2:
        services.work_order_take_back(order_id=order.pk, by=tu,
                                      promised_by=timezone.now() + datetime.timedelta(days=rng.randint(1, 3)),
                                      extra=_signed())
        if final == S.TAKEN_BACK:
            return
        services.work_order_return(order_id=order.pk, by=tu, resolution="返厂维修完成 Depot repair done")
    else:
        services.work_order_resolve(order_id=order.pk, by=tu, resolution="现场修复 Fixed on site")
    if final == S.RESOLVED:
        return
    services.work_order_sign_off(order_id=order.pk, by=tu, signed_by=order.customer.name,
                                 satisfaction=rng.choice([3, 4, 5, 5, 5]), extra=_signed())
    if final == S.SIGNED_OFF:
        return
    services.work_order_close(order_id=order.pk, by=agent, note="回访满意 Follow-up call done")


def seed_work_orders(run):
    """`--orders` work orders in all, drawn with the run's seed."""
    created = _orders(run.people, run.options.get("orders", ORDERS), run.rng(0))
    run.counts.append(f"{WorkOrder.objects.count()} work orders ({created} new)")
