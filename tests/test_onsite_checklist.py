"""The checklist, what blocks the work and the rectification notice through
HTTP (contract v1: On site; issue 14 items 1 and 2)."""

import datetime

import pytest
from django.utils import timezone

from onsite.models import ChecklistTemplate, OrderItem, OrderItemRecord, TemplateItem
from tests.conftest import api_for
from tests.signing import SIGNED
from tests.test_signatures import png_url
from tickets.models import WorkOrder

pytestmark = [pytest.mark.django_db, pytest.mark.checklists]


def post(client, url, body=None):
    return client.post(url, body or {}, format="json")


def on_site(agent, dispatcher, tech, category, kind="repair"):
    a, d, t = api_for(agent), api_for(dispatcher), api_for(tech.user)
    r = post(a, "/api/v1/work-orders/", {
        "kind": kind, "description": "热水器点不着火",
        "customer": {"name": "王伟", "phone": "13800138000", "address": "北京市朝阳区建国路88号"},
        "product": {"category": category.slug, "model": "JSQ-20"}})
    oid = r.json()["id"]
    assert post(d, f"/api/v1/work-orders/{oid}/dispatch/", {"technician": tech.pk}).status_code == 200
    assert post(t, f"/api/v1/work-orders/{oid}/accept/").status_code == 200
    assert post(t, f"/api/v1/work-orders/{oid}/check-in/").status_code == 200
    return oid, t


def record(t, oid, **values):
    return post(t, f"/api/v1/work-orders/{oid}/checklist/",
                {"items": [{"code": c, "value": v} for c, v in values.items()]})


PASSING = {"safety_test": True, "gas_pressure_test": 5200, "power_on_test": True, "gas_safety_inspection": True}


def test_a_gas_repair_lists_the_seeded_items_with_the_contract_fields(agent, dispatcher, tech1, category):
    oid, t = on_site(agent, dispatcher, tech1, category)
    r = t.get(f"/api/v1/work-orders/{oid}/checklist/")
    assert r.status_code == 200
    items = {i["code"]: i for i in r.json()["items"]}
    keys = {"code", "label", "kind", "stage", "required", "unit", "min", "max", "value", "passed", "recorded_at",
            "recorded_by"}
    assert all(keys <= set(i) for i in items.values())
    # seeds/001: safety test before the work, power-on test after it, on every order.
    assert (items["safety_test"]["stage"], items["power_on_test"]["stage"]) == ("before", "after")
    gas = items["gas_pressure_test"]
    assert (gas["kind"], gas["stage"], gas["unit"], gas["min"], gas["max"], gas["required"]) == (
        "measure", "before", "mmH2O", 5000, None, True)
    assert (items["gas_safety_inspection"]["kind"], items["gas_safety_inspection"]["stage"]) == ("check", "after")
    assert {"show_certificate", "shoe_covers", "new_pipework_test"} <= set(items)  # "12345", "five ones"
    assert all(i["value"] is None and i["source"] == "seeds/001" for i in items.values())


def test_other_categories_have_no_gas_items(agent, dispatcher):
    from tests.factories import CategoryFactory, TechnicianFactory, UserFactory

    purifier = CategoryFactory(slug="water_purifier")
    tech = TechnicianFactory(user=UserFactory(username="tech9", roles=["technician"]), categories=[purifier.slug])
    oid, t = on_site(agent, dispatcher, tech, purifier)
    codes = {i["code"] for i in t.get(f"/api/v1/work-orders/{oid}/checklist/").json()["items"]}
    assert "safety_test" in codes and "power_on_test" in codes and "gas_pressure_test" not in codes


def test_resolve_is_blocked_until_the_required_items_are_recorded(agent, dispatcher, tech1, category):
    oid, t = on_site(agent, dispatcher, tech1, category)
    r = post(t, f"/api/v1/work-orders/{oid}/resolve/", {"resolution": "换点火针"})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "checklist_incomplete" and body["state"] == "on_site"
    assert sorted(body["missing"]) == sorted(PASSING)
    assert "resolve" not in body["allowed"] and "detail" in body

    assert record(t, oid, safety_test=True, gas_pressure_test=5000).status_code == 200
    r = post(t, f"/api/v1/work-orders/{oid}/resolve/", {"resolution": "换点火针"})
    assert sorted(r.json()["missing"]) == ["gas_safety_inspection", "power_on_test"]

    assert record(t, oid, power_on_test=True, gas_safety_inspection=True).status_code == 200
    r = post(t, f"/api/v1/work-orders/{oid}/resolve/", {"resolution": "换点火针"})
    assert r.status_code == 200 and r.json()["state"] == "resolved"


def test_take_back_needs_only_the_before_items(agent, dispatcher, tech1, category):
    oid, t = on_site(agent, dispatcher, tech1, category)
    promised = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    r = post(t, f"/api/v1/work-orders/{oid}/take-back/", {"promised_by": promised, **SIGNED})
    assert r.status_code == 409 and sorted(r.json()["missing"]) == ["gas_pressure_test", "safety_test"]
    record(t, oid, safety_test=True, gas_pressure_test=6000)
    r = post(t, f"/api/v1/work-orders/{oid}/take-back/", {"promised_by": promised, **SIGNED})
    assert r.status_code == 200 and r.json()["state"] == "taken_back"
    # after items while taken_back; before items no longer (409), and return needs the after items.
    assert record(t, oid, safety_test=True).status_code == 409
    r = post(t, f"/api/v1/work-orders/{oid}/return/", {"resolution": "修好了"})
    assert r.status_code == 409 and sorted(r.json()["missing"]) == ["gas_safety_inspection", "power_on_test"]
    assert record(t, oid, power_on_test=True, gas_safety_inspection=True).status_code == 200
    assert post(t, f"/api/v1/work-orders/{oid}/return/", {"resolution": "修好了"}).status_code == 200


def test_a_wrong_value_or_unknown_code_is_a_400_naming_it_and_nothing_is_saved(agent, dispatcher, tech1, category):
    oid, t = on_site(agent, dispatcher, tech1, category)
    r = record(t, oid, safety_test=True, gas_pressure_test="a lot", nope=True)
    assert r.status_code == 400
    assert set(r.json()["items"]) == {"gas_pressure_test", "nope"}
    r = record(t, oid, safety_test="yes")
    assert r.status_code == 400 and "safety_test" in r.json()["items"]
    assert OrderItemRecord.objects.count() == 0
    assert OrderItem.objects.filter(order_id=oid, value__isnull=False).count() == 0


def test_only_the_assigned_technician_records(agent, dispatcher, tech1, tech2, category):
    oid, _t = on_site(agent, dispatcher, tech1, category)
    assert record(api_for(tech2.user), oid, safety_test=True).status_code == 404
    assert record(api_for(dispatcher), oid, safety_test=True).status_code == 403
    assert api_for(dispatcher).get(f"/api/v1/work-orders/{oid}/checklist/").status_code == 200


def test_nothing_is_recorded_before_the_check_in(agent, dispatcher, tech1, category):
    a, d, t = api_for(agent), api_for(dispatcher), api_for(tech1.user)
    oid = post(a, "/api/v1/work-orders/", {"kind": "repair", "description": "x", "customer": {
        "name": "王伟", "phone": "13800138000"}, "product": {"category": category.slug}}).json()["id"]
    post(d, f"/api/v1/work-orders/{oid}/dispatch/", {"technician": tech1.pk})
    r = record(t, oid, safety_test=True)
    assert r.status_code == 409 and r.json()["state"] == "dispatched"


def test_a_measure_outside_its_limits_fails_and_rerecording_keeps_the_history(agent, dispatcher, tech1, category):
    oid, t = on_site(agent, dispatcher, tech1, category)
    items = {i["code"]: i for i in record(t, oid, gas_pressure_test=4200).json()["items"]}
    assert (items["gas_pressure_test"]["value"], items["gas_pressure_test"]["passed"]) == (4200, False)
    assert items["gas_pressure_test"]["recorded_by"] == "tech1" and items["gas_pressure_test"]["recorded_at"]
    items = {i["code"]: i for i in record(t, oid, gas_pressure_test=5100.5).json()["items"]}
    assert (items["gas_pressure_test"]["value"], items["gas_pressure_test"]["passed"]) == (5100.5, True)
    assert list(OrderItemRecord.objects.filter(item__code="gas_pressure_test").values_list("value", "passed")) == [
        (4200, False), (5100.5, True)]


def test_a_failed_gas_test_needs_the_signed_rectification_notice(agent, dispatcher, tech1, category):
    oid, t = on_site(agent, dispatcher, tech1, category)
    record(t, oid, **{**PASSING, "gas_pressure_test": 3000})
    r = post(t, f"/api/v1/work-orders/{oid}/resolve/", {"resolution": "x"})
    assert r.status_code == 409 and r.json()["missing"] == ["gas_pressure_test"]

    r = post(t, f"/api/v1/work-orders/{oid}/rectification/", {"hazards": "管道漏气", "advice": "更换软管"})
    assert r.status_code == 400 and "signature" in r.json()
    r = post(t, f"/api/v1/work-orders/{oid}/rectification/", {"hazards": "", "advice": "更换软管",
                                                              "signature": png_url()})
    assert r.status_code == 400 and "hazards" in r.json()
    r = post(t, f"/api/v1/work-orders/{oid}/rectification/", {"hazards": "管道漏气", "advice": "更换软管",
                                                              "signature": png_url()})
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"id", "hazards", "advice", "signed_at", "refused_reason"}
    assert body["signed_at"] and body["refused_reason"] is None

    r = post(t, f"/api/v1/work-orders/{oid}/resolve/", {"resolution": "x"})
    assert r.status_code == 200 and r.json()["state"] == "resolved"


def test_a_notice_covers_only_the_failures_of_its_moment(agent, dispatcher, tech1, category):
    oid, t = on_site(agent, dispatcher, tech1, category)
    record(t, oid, **{**PASSING, "gas_pressure_test": 3000})
    r = post(t, f"/api/v1/work-orders/{oid}/rectification/", {"hazards": "漏气", "advice": "报修燃气公司",
                                                              "refused_reason": "客户不愿签字"})
    assert r.status_code == 201 and r.json()["refused_reason"] == "客户不愿签字" and r.json()["signed_at"] is None
    record(t, oid, gas_pressure_test=2000)  # measured again, failed again: a new failure, not covered
    r = post(t, f"/api/v1/work-orders/{oid}/resolve/", {"resolution": "x"})
    assert r.status_code == 409 and r.json()["missing"] == ["gas_pressure_test"]


def test_the_rectification_notice_is_made_on_site_by_the_assigned_technician(agent, dispatcher, tech1, tech2,
                                                                             category):
    oid, t = on_site(agent, dispatcher, tech1, category)
    body = {"hazards": "漏气", "advice": "更换", "signature": png_url()}
    assert post(api_for(dispatcher), f"/api/v1/work-orders/{oid}/rectification/", body).status_code == 403
    assert post(api_for(tech2.user), f"/api/v1/work-orders/{oid}/rectification/", body).status_code == 404
    record(t, oid, **PASSING)
    post(t, f"/api/v1/work-orders/{oid}/resolve/", {"resolution": "x"})
    r = post(t, f"/api/v1/work-orders/{oid}/rectification/", body)
    assert r.status_code == 409 and r.json()["state"] == "resolved"


def test_an_order_keeps_the_template_version_it_started_with(agent, dispatcher, tech1, category):
    oid, t = on_site(agent, dispatcher, tech1, category)
    template = ChecklistTemplate.objects.get(code="every-order")
    TemplateItem.objects.create(template=template, code="extra_check", label="Extra", kind="check", stage="before")
    ChecklistTemplate.objects.filter(pk=template.pk).update(version=template.version + 1)
    codes = {i["code"] for i in t.get(f"/api/v1/work-orders/{oid}/checklist/").json()["items"]}
    assert "extra_check" not in codes
    assert set(OrderItem.objects.filter(order_id=oid, code="safety_test").values_list("template_version", flat=True)) \
        == {template.version}
    oid2, _ = on_site(agent, dispatcher, tech1, category)
    codes = {i["code"] for i in t.get(f"/api/v1/work-orders/{oid2}/checklist/").json()["items"]}
    assert "extra_check" in codes
    assert WorkOrder.objects.count() == 2


def test_what_the_documents_print(agent, dispatcher, tech1, category):
    """onsite.selectors for the service record and the rectification notice PDFs (documents app)."""
    from django.utils import translation

    from onsite import selectors
    from onsite.models import RectificationNotice

    oid, t = on_site(agent, dispatcher, tech1, category)
    record(t, oid, **{**PASSING, "gas_pressure_test": 3000})
    post(t, f"/api/v1/work-orders/{oid}/rectification/", {"hazards": "漏气", "advice": "更换软管",
                                                          "signature": png_url()})
    order = WorkOrder.objects.get(pk=oid)
    with translation.override("zh-hans"):
        section = selectors.checklist_section(order)
        facts = selectors.rectification_facts(RectificationNotice.objects.get(order=order))
    assert section["title"] == "检查表" and len(section["head"]) == 3
    assert not any(h.isascii() for h in section["head"])  # in Chinese
    rows = {row[0]: row for row in section["table"]}
    assert rows["点火前试压：5000毫米水柱保压10分钟"][1:] == ["3000 mmH2O", "不合格 · 整改建议书"]
    assert rows["施工前安全检测"][1:] == ["是", "合格"]
    assert (facts["hazards"], facts["advice"]) == ("漏气", "更换软管")
    assert facts["items"] == [["gas_pressure_test", "点火前试压：5000毫米水柱保压10分钟", "3000 mmH2O"]]
    notices = selectors.rectification_notices(order)
    assert notices[0]["covers"][0]["code"] == "gas_pressure_test" and notices[0]["signed_at"]


def test_the_demo_records_the_checklist_of_its_visits(settings):
    """seed_demo walks orders past resolve with the seeded templates active (tickets.hooks.add_demo_visit)."""
    import io

    from django.core.management import call_command

    from onsite import selectors

    settings.DEBUG = True
    call_command("seed_demo", orders=12, complaints=1, stdout=io.StringIO(), no_color=True)
    done = WorkOrder.objects.filter(state__in=["resolved", "signed_off", "closed"])
    assert done.exists()
    for order in done:
        items = list(selectors.order_items(order))
        assert items and selectors.missing_codes(items) == []


def test_a_change_in_the_admin_makes_a_new_version(client):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", roles=["administrator"], is_staff=True, is_superuser=True)
    client.force_login(admin)
    template = ChecklistTemplate.objects.get(code="every-order")
    items = list(template.items.all())
    form = {"code": template.code, "name": "Every order (v2)", "category": "", "kinds": "", "active": "on",
            "source": template.source, "items-TOTAL_FORMS": str(len(items)), "items-INITIAL_FORMS": str(len(items)),
            "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000"}
    for n, item in enumerate(items):
        form.update({f"items-{n}-id": str(item.pk), f"items-{n}-template": str(template.pk),
                     f"items-{n}-position": str(item.position), f"items-{n}-code": item.code,
                     f"items-{n}-label": item.label, f"items-{n}-label_zh": item.label_zh,
                     f"items-{n}-kind": item.kind, f"items-{n}-stage": item.stage,
                     f"items-{n}-required": "on" if item.required else "", f"items-{n}-unit": item.unit,
                     f"items-{n}-min_value": "", f"items-{n}-max_value": "", f"items-{n}-source": item.source})
    r = client.post(f"/admin/onsite/checklisttemplate/{template.pk}/change/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    template.refresh_from_db()
    assert (template.name, template.version) == ("Every order (v2)", 2)
