"""The pages of returns and factory returns with the Django test client: a
month's factory return run end to end from the pages (file, sign, approve,
ship, arrive, check, decide, close, print), the gate and the roll-over shown
as messages, the weeks table; a lamp return recorded and assessed from its
page with the findings checkboxes."""

import datetime
import html
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from returns.models import FactoryReturn, FactoryReturnEvent, FactoryReturnItem, ReturnRequest
from servicedesk.deadlines.models import Deadline
from tests.factories import CategoryFactory, UserFactory
from tests.test_factory_returns_api import at, clock, org  # noqa: F401 - fixtures, used as arguments


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def post(client, url, data=None):
    r = client.post(url, data or {}, follow=True)
    assert r.status_code == 200, r.content[:500]
    return r.content.decode()


# One message of templates/_messages.html: level, tags (the error's code as
# `code-<code>` where the view gives it), text.
MESSAGE = re.compile(r'<div class="alert alert-(\w+)" role="\w+"(?: data-tags="([^"]*)")?>(.*?)</div>', re.S)


def shown(page):
    """The messages a page shows, as (level, text)."""
    return [(level, html.unescape(text)) for level, _tags, text in MESSAGE.findall(page)]


def snapshot(fr_pk):
    """A factory return as stored: its row, its items, its history, its deadlines."""
    ct = ContentType.objects.get_for_model(FactoryReturn)
    return {
        "row": FactoryReturn.objects.filter(pk=fr_pk).values().get(),
        "items": list(FactoryReturnItem.objects.filter(factory_return_id=fr_pk).order_by("id").values()),
        "history": list(FactoryReturnEvent.objects.filter(factory_return_id=fr_pk).order_by("id").values()),
        "deadlines": list(Deadline.objects.filter(content_type=ct, object_id=fr_pk).order_by("id").values()),
    }


def test_a_month_of_factory_return_from_the_pages(org, clock):  # noqa: F811 - the imported fixtures
    clerk, manager, cs, logistics = (login(org[k]) for k in ("clerk", "office_manager", "cs", "logistics"))
    page = clerk.get("/factory-returns/").content.decode()
    assert 'href="/factory-returns/new/"' in page and "新建返厂申请" in page
    r = clerk.post("/factory-returns/new/", {
        "office": org["bj"].pk, "month": "2026-12", "note": "十二月返厂",
        "description_0": "节能灯 11W", "model_0": "E27", "quantity_0": "100", "reason_0": "不亮",
        "description_1": "镇流器", "model_1": "", "quantity_1": "10", "reason_1": "烧毁",
    })
    fr = FactoryReturn.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/factory-returns/{fr.pk}/"
    base = f"/factory-returns/{fr.pk}"
    page = clerk.get(base + "/").content.decode()
    assert "节能灯 11W" in page and "2026-12" in page and 'data-form="ship"' in page
    # The gate: shipping before signature and approval is refused, with the reason.
    before = snapshot(fr.pk)
    page = post(clerk, base + "/actions/ship/")
    assert (
        FactoryReturn.objects.get().state == "draft"
        and "返厂申请须经办事处或大区经理签字、客户服务部审批后方可发运" in page
    )
    assert 'data-tags="code-shipping_not_signed"' in page
    assert shown(page) == [
        ("error", "返厂申请须经办事处或大区经理签字、客户服务部审批后方可发运；缺少任一项，工厂拒收。")
    ]
    assert snapshot(fr.pk) == before
    post(manager, base + "/actions/sign/")
    post(cs, base + "/actions/approve/")
    assert FactoryReturn.objects.get().state == "approved"
    post(clerk, base + "/actions/ship/", {"waybill": "SF100"})
    assert FactoryReturn.objects.get().state == "shipped"
    clock.set(at(2026, 12, 4, 9))
    page = post(logistics, base + "/actions/arrive/")
    assert "物流清点（1个工作日）" in page and "处理完毕（3个工作日）" in page and "已到厂" in page
    items = list(fr.items.order_by("line"))
    page = post(logistics, base + "/actions/check/", {
        f"counted_{items[0].pk}": "98", f"condition_{items[0].pk}": "2只缺失",
        f"counted_{items[1].pk}": "10", f"condition_{items[1].pk}": "完好"})
    assert FactoryReturn.objects.get().state == "checked" and "-2" in page
    assert '<span class="badge badge-overdue">-2</span>' in page  # the first item's difference
    # A rejection needs its reason: refused, and nothing is decided.
    before = snapshot(fr.pk)
    page = post(cs, base + "/actions/decide/", {f"decision_{items[1].pk}": "rejected"})
    assert shown(page) == [("error", "拒收的货品须写明理由。")]
    assert snapshot(fr.pk) == before
    post(cs, base + "/actions/decide/", {
        f"decision_{items[0].pk}": "credit", f"decision_{items[1].pk}": "rejected",
        f"reason_{items[1].pk}": "非质量问题"})
    assert FactoryReturn.objects.get().state == "decided"
    post(cs, base + "/actions/close/")
    fr = FactoryReturn.objects.get()
    assert fr.state == "closed"
    assert [i.accepted_quantity for i in fr.items.order_by("line")] == [98, 10]
    printed = clerk.get(base + "/print/").content.decode()
    assert "不良品返厂申请表" in printed and "非质量问题" in printed and "SF100" not in printed
    listing = clerk.get("/factory-returns/?month=2026-12").content.decode()
    assert fr.number in listing


def test_roll_over_shown_on_the_page(org, clock):  # noqa: F811 - the imported fixtures
    clerk, manager, cs = (login(org[k]) for k in ("clerk", "office_manager", "cs"))
    clerk.post("/factory-returns/new/", {"office": org["bj"].pk, "month": "2026-12", "description_0": "灯",
                                          "quantity_0": "5", "reason_0": "不亮"})
    fr = FactoryReturn.objects.get()
    post(manager, f"/factory-returns/{fr.pk}/actions/sign/")
    post(cs, f"/factory-returns/{fr.pk}/actions/approve/")
    clock.set(at(2026, 12, 12))
    page = post(clerk, f"/factory-returns/{fr.pk}/actions/ship/")
    assert "2027-01" in page
    assert shown(page) == [("success", f"返厂申请 {fr.number} 已提交。"),  # the create's, not shown until now
                           ("error", "已错过 2026-12 的返厂周（2026-12-01 至 2026-12-07）：顺延至 2027-01。")]
    fr.refresh_from_db()
    assert fr.month == datetime.date(2027, 1, 1) and fr.state == "approved"


def test_windows_page(org):  # noqa: F811 - the imported fixtures
    page = login(org["clerk"]).get("/factory-returns/windows/").content.decode()
    assert "黑龙江" in page and "福州" in page and "广东" in page


def test_nav_and_who_sees_factory_returns(org, db):  # noqa: F811 - the imported fixtures
    page = login(org["clerk"]).get("/factory-returns/").content.decode()
    assert 'href="/factory-returns/"' in page
    tech = UserFactory(username="t9", roles=["technician"], unit=org["hq"])
    assert login(tech).get("/factory-returns/").status_code == 403


def test_lamp_return_from_the_pages(db):
    CategoryFactory(slug="energy_saving_lamp", name="节能灯")
    agent = UserFactory(username="agent", roles=["agent"])
    client = login(agent)
    assert 'href="/returns/"' in client.get("/returns/").content.decode()
    r = client.post(
        "/returns/new/",
        {
            "name": "李娜", "phone": "13912345678", "address": "北京", "category": "energy_saving_lamp", "model": "E27",
            "purchase_date": (timezone.localdate() - datetime.timedelta(days=40)).isoformat(),
            "requested_by": "consumer", "reason": "不亮", "quantity": "1",
        },
    )
    obj = ReturnRequest.objects.get()
    assert r.status_code == 302
    page = client.get(f"/returns/{obj.pk}/").content.decode()
    assert 'name="finding_lights"' in page and 'name="finding_base_aged"' in page
    page = post(client, f"/returns/{obj.pk}/actions/assess/", {"finding_tube_greyed": "on"})
    obj.refresh_from_db()
    assert obj.state == "rejected" and "灯管发灰，不予更换。" in page
    r = client.post("/returns/new/", {"name": "李娜", "phone": "13912345678", "category": "energy_saving_lamp",
                                      "purchase_date": "2099-01-01", "requested_by": "consumer", "reason": "x"})
    assert r.status_code == 400 and ReturnRequest.objects.count() == 1


@pytest.mark.parametrize("username,roles", [("partner", ["partner"])])
def test_partner_pages_show_only_own(db, username, roles):
    from tests.factories import PartnerFactory

    CategoryFactory(slug="energy_saving_lamp")
    p1 = UserFactory(username="p1", roles=roles, partner=PartnerFactory(code="p1"))
    p2 = UserFactory(username="p2", roles=roles, partner=PartnerFactory(code="p2"))
    for user, phone in ((p1, "13911110001"), (p2, "13911110002")):
        login(user).post("/returns/new/", {"name": "X", "phone": phone, "category": "energy_saving_lamp",
                                            "requested_by": "dealer", "reason": "坏", "manufactured_on": "2026-01-01"})
    mine, other = ReturnRequest.objects.get(partner=p1.partner), ReturnRequest.objects.get(partner=p2.partner)
    client = login(p1)
    page = client.get("/returns/").content.decode()
    assert mine.number in page and other.number not in page
    assert client.get(f"/returns/{other.pk}/").status_code == 404
    assert 'data-form="assess"' not in client.get(f"/returns/{mine.pk}/").content.decode()


def test_a_far_count_asks_for_confirmation_on_the_page(org, clock):  # noqa: F811 - the imported fixtures
    """Issue 13, item 12: 118 typed against 15 declared comes back with the
    typed counts kept, the far one marked, and a box to tick; nothing is
    recorded until it is ticked."""
    clerk, manager, cs, logistics = (login(org[k]) for k in ("clerk", "office_manager", "cs", "logistics"))
    clerk.post("/factory-returns/new/", {"office": org["bj"].pk, "month": "2026-12",
                                          "description_0": "节能灯 11W", "quantity_0": "120", "reason_0": "不亮",
                                          "description_1": "吸顶灯镇流器", "quantity_1": "15", "reason_1": "烧毁"})
    fr = FactoryReturn.objects.get()
    base = f"/factory-returns/{fr.pk}"
    post(manager, base + "/actions/sign/")
    post(cs, base + "/actions/approve/")
    post(clerk, base + "/actions/ship/")
    post(logistics, base + "/actions/arrive/")
    lamps, ballasts = fr.items.order_by("line")
    typed = {f"counted_{lamps.pk}": "118", f"condition_{lamps.pk}": "外包装破损",
             f"counted_{ballasts.pk}": "118", f"condition_{ballasts.pk}": "完好"}
    r = logistics.post(base + "/actions/check/", typed)
    page = r.content.decode()
    assert r.status_code == 400 and FactoryReturn.objects.get().state == "arrived"
    assert [i.counted_quantity for i in fr.items.order_by("line")] == [None, None]
    assert 'data-code="count_unconfirmed"' in page and 'name="confirm"' in page
    assert "清点 118 件，申报 15 件" in page
    assert page.count('data-far="true"') == 1 and 'data-far-line="2"' in page  # 118 of 120 is near
    assert f'name="counted_{ballasts.pk}" value="118"' in page and 'value="外包装破损"' in page
    page = post(logistics, base + "/actions/check/", {**typed, "confirm": "yes"})
    fr = FactoryReturn.objects.get()
    assert fr.state == "checked" and [i.counted_quantity for i in fr.items.order_by("line")] == [118, 118]
    assert 'name="confirm"' not in page
