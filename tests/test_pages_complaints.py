"""The complaint pages through the Django test client, as a browser (and
htmx) would use them: filing a complaint, the task sheet with its forms, the
handling unit's queue, the print view, the overview, the case-study library
and HR's findings queue; bad input that names the field and saves nothing;
pages refused to the roles that may not see them."""

import datetime
import itertools
import re
import zoneinfo
from types import SimpleNamespace

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import CaseStudy, Complaint, ComplaintEvent, Finding
from servicedesk.accounts.models import Unit
from servicedesk.customers.models import Customer
from servicedesk.deadlines.models import Deadline
from tests.factories import TechnicianFactory, UnitFactory, UserFactory
from tests.test_browser_work_orders import expect
from tickets import services as order_services

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HTMX = {"HTTP_HX_REQUEST": "true"}
_phones = itertools.count(1)


@pytest.fixture
def units(db):
    return SimpleNamespace(
        call_center=UnitFactory(name="客服中心", kind=Unit.Kind.CALL_CENTER),
        quality=UnitFactory(name="质量部", kind=Unit.Kind.HANDLING_UNIT, responsibility=Unit.Responsibility.QUALITY),
        logistics=UnitFactory(name="物流部", kind=Unit.Kind.DEPARTMENT, responsibility=Unit.Responsibility.LOGISTICS),
    )


@pytest.fixture
def desk(agent, units):
    """The agent, a member of the call center (the accepting unit)."""
    agent.unit = units.call_center
    agent.save(update_fields=["unit"])
    return agent


@pytest.fixture
def handler(units):
    return UserFactory(username="handler", first_name="质量部赵", roles=["handler"], unit=units.quality)


@pytest.fixture
def logistics_handler(units):
    return UserFactory(username="handler2", roles=["handler"], unit=units.logistics)


@pytest.fixture
def hr(db):
    return UserFactory(username="hr", roles=["hr"])


def file_complaint(
    by, *, name="王伟", phone=None, category="quality", cause="quality", description="热水器漏水，三次维修未好",
    media=False, external=False, received_at=None, source=None, work_order=None,
):
    complaint, _created = services.complaint_create(
        by=by,
        customer={"name": name, "phone": phone or f"138{next(_phones):08d}", "address": "北京市朝阳区建国路88号"},
        category=category, cause=cause, description=description, media=media, external=external,
        received_at=received_at, source=source, work_order=work_order,
    )
    return complaint


def logged_in(client, user):
    client.force_login(user)
    return client


def row_ids(response):
    return [int(pk) for pk in re.findall(r'<tr class="[^"]*" data-complaint="(\d+)"', response.content.decode())]


def offered_actions(response):
    return re.findall(r'data-action="([\w-]+)"', response.content.decode())


def snapshot(complaint):
    fresh = Complaint.objects.get(pk=complaint.pk)
    return (fresh.state, fresh.complaint_class, fresh.improvement, fresh.closed_at, fresh.handling_unit_id,
            fresh.result, ComplaintEvent.objects.filter(complaint=complaint).count(),
            CaseStudy.objects.filter(complaint=complaint).count())


def walk_to_return_visited(complaint, *, by, handler, unit):
    services.complaint_forward(complaint_id=complaint.pk, by=by, handling_unit=unit)
    services.complaint_reply(complaint_id=complaint.pk, by=handler, result="更换热水器主板，客户认可",
                             investigation="主板受潮短路", head_signed_by="质量部 李部长")
    services.complaint_return_visit(complaint_id=complaint.pk, by=by, satisfied=True, note="客户满意")
    return Complaint.objects.get(pk=complaint.pk)


# --- filing a complaint ---------------------------------------------------------


def test_an_agent_files_a_complaint_from_the_page_and_sees_the_class_and_why(client, desk, units):
    r = logged_in(client, desk).post("/complaints/new/", {
        "customer_name": "王伟", "customer_phone": "138 0013 8000", "customer_address": "北京市朝阳区建国路88号",
        "category": "quality", "cause": "quality", "source": "phone", "description": "热水器漏水，三次维修未好",
        "external": "on", "work_order": "",
    })
    complaint = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/complaints/{complaint.pk}/"
    assert (complaint.complaint_class, complaint.category, complaint.cause, complaint.external, complaint.media) == (
        2, "quality", "quality", True, False)
    assert complaint.customer.phones.get().number == "13800138000"
    assert (complaint.created_by, complaint.accepting_unit) == (desk, units.call_center)

    html = client.get(r["Location"]).content.decode()
    assert f"Complaint {complaint.number} filed as class 2: The customer wants to complain outside the company." in html
    assert 'data-testid="class-reason">The customer wants to complain outside the company.<' in html
    assert 'data-class="2"' in html


def test_a_media_complaint_is_filed_as_class_3(client, desk, units):
    logged_in(client, desk).post("/complaints/new/", {
        "customer_name": "李娜", "customer_phone": "13900001111", "category": "service", "source": "phone",
        "description": "师傅态度恶劣，已发到微博", "media": "on",
    })
    complaint = Complaint.objects.get()
    assert (complaint.complaint_class, complaint.class_reason) == (3, "The complaint has reached the media.")


@pytest.mark.parametrize("change, field, message", [
    ({"customer_phone": "12"}, "customer_phone", "Not a valid phone number."),
    ({"description": ""}, "description", "This field is required."),
    ({"category": "price"}, "category", "Select a valid choice."),
    ({"work_order": "WO19990101000001"}, "work_order", "No work order with this number."),
])
def test_bad_input_on_the_new_page_names_the_field_and_saves_nothing(client, desk, units, change, field, message):
    data = {"customer_name": "王伟", "customer_phone": "13800138000", "category": "quality", "source": "phone",
            "description": "热水器漏水", **change}
    r = logged_in(client, desk).post("/complaints/new/", data)
    assert r.status_code == 400
    html = r.content.decode()
    assert re.search(rf'data-field="{field}">{re.escape(message)}', html)
    assert "Nothing was saved." in html
    assert 'value="王伟"' in html  # what was typed is kept
    assert Complaint.objects.count() == 0 and Customer.objects.count() == 0 and ComplaintEvent.objects.count() == 0


def test_the_new_page_is_prefilled_from_the_callers_phone_and_the_work_order(client, desk, units, category):
    order, _ = order_services.work_order_create(
        by=desk, kind="repair", description="热水器点不着火",
        customer={"name": "赵敏", "phone": "13711112222", "address": "北京市海淀区中关村大街27号"},
    )
    html = logged_in(client, desk).get(f"/complaints/new/?phone=137-1111-2222&work_order={order.pk}").content.decode()
    assert 'name="customer_name" value="赵敏"' in html
    assert 'name="customer_phone" value="137-1111-2222"' in html
    assert 'value="北京市海淀区中关村大街27号"' in html
    assert f'name="work_order" value="{order.number}"' in html

    r = client.post("/complaints/new/", {
        "customer_name": "赵敏", "customer_phone": "137-1111-2222", "category": "service", "cause": "service",
        "source": "phone", "description": "师傅迟到两小时", "work_order": order.number,
    })
    assert r.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.work_order == order and complaint.customer == order.customer


def test_a_role_that_may_not_file_complaints_is_refused_the_new_page(client, handler, tech1):
    assert logged_in(client, handler).get("/complaints/new/").status_code == 403
    assert client.post("/complaints/new/", {"customer_name": "x"}).status_code == 403
    assert logged_in(client, tech1.user).get("/complaints/new/").status_code == 403
    assert Complaint.objects.count() == 0


# --- the task sheet and its actions ------------------------------------------------


def test_the_forward_form_preselects_the_suggested_unit_and_forwards(client, desk, units, handler):
    complaint = file_complaint(desk, cause="transport", description="运输途中外壳摔坏")
    html = logged_in(client, desk).get(f"/complaints/{complaint.pk}/").content.decode()
    form = re.search(r'<form[^>]*data-action="forward".*?</form>', html, re.S).group(0)
    options = dict(re.findall(r'<option value="(\d+)"([^>]*)>', form))
    assert set(options) == {str(units.quality.pk), str(units.logistics.pk)}  # not the call center
    assert "selected" in options[str(units.logistics.pk)] and "selected" not in options[str(units.quality.pk)]

    r = client.post(
        f"/complaints/{complaint.pk}/actions/forward/", {"handling_unit": units.quality.pk, "note": "转质量部"}, **HTMX
    )
    assert r.status_code == 200
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.state, fresh.handling_unit) == ("forwarded", units.quality)
    html = r.content.decode()
    assert 'id="complaint-panel"' in html and 'hx-swap-oob="true"' in html
    assert f"complaint {fresh.number} is now “Forwarded”" in html
    assert Deadline.objects.filter(complaint=fresh, kind="reply", met_at__isnull=True).count() == 1
    assert Deadline.objects.get(complaint=fresh, kind="register").met_at is not None


def forward_choice(html):
    """The forward form's options: {unit id: (selected, suggested)}; and its hint."""
    form = re.search(r'<form[^>]*data-action="forward".*?</form>', html, re.S).group(0)
    options = {pk: ("selected" in attrs, "★" in label)
               for pk, attrs, label in re.findall(r'<option value="(\d+)"([^>]*)>([^<]*)<', form)}
    hint = re.search(r'<small class="hint">(.*?)</small>', form, re.S).group(1)
    return options, hint


@pytest.mark.parametrize("case", ["quality_unknown_cause", "service_station", "contract_none", "suggestion",
                                  "cs_not_a_target"])
def test_the_forward_form_preselects_the_unit_the_cause_points_to(client, desk, units, case):
    """issue 13 item 8 (seeds/004): the unit the cause points to is chosen
    already; with none, or one a complaint may not go to, nothing is chosen
    and the hint says so."""
    station = UnitFactory(name="朝阳服务站", kind=Unit.Kind.STATION)
    station_group = UnitFactory(name="朝阳服务站投诉处理组", kind=Unit.Kind.HANDLING_UNIT, parent=station)
    technician = TechnicianFactory(station=station)
    if case == "cs_not_a_target":
        units.call_center.responsibility = Unit.Responsibility.CUSTOMER_SERVICE
        units.call_center.save(update_fields=["responsibility"])
    complaint = {
        "quality_unknown_cause": lambda: file_complaint(desk, category="quality", cause=""),
        "service_station": lambda: services.complaint_create(
            by=desk, customer={"name": "李娜", "phone": "13900002222"}, category="service", cause="service",
            description="师傅迟到", technician=technician)[0],
        "contract_none": lambda: file_complaint(desk, category="service", cause="contract"),
        "suggestion": lambda: file_complaint(desk, category="suggestion", cause=""),
        "cs_not_a_target": lambda: file_complaint(desk, category="service", cause=""),
    }[case]()
    expected = {"quality_unknown_cause": units.quality, "service_station": station_group}.get(case)

    options, hint = forward_choice(logged_in(client, desk).get(f"/complaints/{complaint.pk}/").content.decode())

    assert str(units.call_center.pk) not in options
    assert [pk for pk, (selected, _star) in options.items() if selected] == ([str(expected.pk)] if expected else [])
    assert [pk for pk, (_selected, star) in options.items() if star] == ([str(expected.pk)] if expected else [])
    if expected:
        assert f"★ {expected.name}" in hint
    else:
        assert hint.strip() == "No unit is suggested for this cause: choose the one responsible."

    # Sent as chosen, the complaint goes to that unit.
    if expected:
        r = client.post(f"/complaints/{complaint.pk}/actions/forward/", {"handling_unit": str(expected.pk)}, **HTMX)
        assert r.status_code == 200
        assert Complaint.objects.get(pk=complaint.pk).handling_unit == expected


def test_actions_offered_follow_the_role_and_the_state(client, desk, units, handler):
    complaint = file_complaint(desk)
    assert offered_actions(logged_in(client, desk).get(f"/complaints/{complaint.pk}/")) == [
        "forward", "escalate", "close-at-once", "reject",  # class 1: closed at once too (issue 15)
    ]
    services.complaint_forward(complaint_id=complaint.pk, by=desk, handling_unit=units.quality)
    assert offered_actions(logged_in(client, handler).get(f"/complaints/{complaint.pk}/")) == [
        "reply", "escalate", "propose-finding"]
    assert offered_actions(logged_in(client, desk).get(f"/complaints/{complaint.pk}/")) == ["escalate"]


def test_a_forward_to_a_unit_that_does_not_exist_names_the_field_and_changes_nothing(client, desk, units):
    complaint = file_complaint(desk)
    before = snapshot(complaint)
    r = logged_in(client, desk).post(f"/complaints/{complaint.pk}/actions/forward/", {"handling_unit": "99999"}, **HTMX)
    assert r.status_code == 400
    assert "No such object: 99999." in r.content.decode()
    assert snapshot(complaint) == before
    r = client.post(f"/complaints/{complaint.pk}/actions/forward/", {"handling_unit": units.call_center.pk}, **HTMX)
    assert r.status_code == 400
    assert "Complaints are forwarded to a handling unit, a department or a station." in r.content.decode()
    assert snapshot(complaint) == before


def test_the_handling_unit_replies_from_the_page(client, desk, units, handler):
    complaint = file_complaint(desk)
    services.complaint_forward(complaint_id=complaint.pk, by=desk, handling_unit=units.quality)
    logged_in(client, handler)

    before = snapshot(complaint)
    r = client.post(f"/complaints/{complaint.pk}/actions/reply/", {"result": "", "investigation": "x"}, **HTMX)
    assert r.status_code == 400 and "This field may not be blank." in r.content.decode()
    assert snapshot(complaint) == before

    r = client.post(f"/complaints/{complaint.pk}/actions/reply/", {
        "investigation": "主板受潮短路", "result": "上门更换主板，客户认可", "head_signed_by": "质量部 李部长"}, **HTMX)
    assert r.status_code == 200
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.state, fresh.result, fresh.investigation, fresh.head_signed_by, fresh.replied_by) == (
        "replied", "上门更换主板，客户认可", "主板受潮短路", "质量部 李部长", handler)
    html = r.content.decode()
    assert "上门更换主板，客户认可" in html and "质量部 李部长" in html
    assert Deadline.objects.get(complaint=fresh, kind="reply").met_at is not None
    assert Deadline.objects.filter(complaint=fresh, kind="return_visit", met_at__isnull=True).count() == 1

    # Without htmx, the same action redirects back to the sheet.
    r = logged_in(client, desk).post(f"/complaints/{complaint.pk}/actions/return-visit/", {"note": "客户满意"})
    assert r.status_code == 400 and "This field is required." in r.content.decode()
    r = client.post(f"/complaints/{complaint.pk}/actions/return-visit/", {"satisfied": "false", "note": "仍漏水"})
    assert r.status_code == 302 and r["Location"] == f"/complaints/{complaint.pk}/"
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.state, fresh.disputes, fresh.return_visit_note) == ("disputed", 1, "仍漏水")


def test_a_role_that_may_not_act_gets_an_error_and_nothing_changes(client, desk, units, handler, logistics_handler):
    complaint = file_complaint(desk)
    services.complaint_forward(complaint_id=complaint.pk, by=desk, handling_unit=units.quality)
    before = snapshot(complaint)
    # The agent may not reply for the handling unit: a message, the state unchanged.
    r = logged_in(client, desk).post(f"/complaints/{complaint.pk}/actions/reply/", {"result": "好了"}, follow=True)
    assert "Your role may not do this." in r.content.decode()
    assert 'data-tags="code-permission_denied"' in r.content.decode()
    assert snapshot(complaint) == before
    # A handler of another unit does not see the complaint at all.
    r = logged_in(client, logistics_handler).post(f"/complaints/{complaint.pk}/actions/reply/", {"result": "好了"})
    assert r.status_code == 404
    assert snapshot(complaint) == before
    # An action in the wrong state: 409 with the fresh sheet (htmx).
    r = logged_in(client, desk).post(f"/complaints/{complaint.pk}/actions/close/", {"improvement": "x"}, **HTMX)
    assert r.status_code == 409
    state = type(complaint).objects.get(pk=complaint.pk).get_state_display()
    assert f"“Close” is not possible now: the state is “{state}”." in r.content.decode()
    assert 'data-tags="code-invalid_transition"' in r.content.decode()
    assert snapshot(complaint) == before


def test_escalate_and_reject_from_the_page(client, desk, units):
    complaint = file_complaint(desk)
    logged_in(client, desk)
    r = client.post(
        f"/complaints/{complaint.pk}/actions/escalate/", {"complaint_class": "3", "reason": "客户联系了电视台"}, **HTMX
    )
    assert r.status_code == 200
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.complaint_class, fresh.class_reason) == (3, "客户联系了电视台")
    assert "escalate" not in offered_actions(r)  # nothing above class 3

    other = file_complaint(desk, name="孙丽")
    r = client.post(f"/complaints/{other.pk}/actions/reject/", {"reason": ""}, **HTMX)
    assert r.status_code == 400 and Complaint.objects.get(pk=other.pk).state == "received"
    r = client.post(f"/complaints/{other.pk}/actions/reject/", {"reason": "产品已过保修期且非质量问题，已向客户说明"})
    fresh = Complaint.objects.get(pk=other.pk)
    assert (fresh.state, fresh.reject_reason) == ("rejected", "产品已过保修期且非质量问题，已向客户说明")
    html = client.get(f"/complaints/{other.pk}/").content.decode()
    assert "Rejected as invalid" in html and "产品已过保修期且非质量问题，已向客户说明" in html


def test_a_class_3_close_without_case_study_shows_the_error_and_changes_nothing(client, desk, units, handler):
    complaint = file_complaint(desk, media=True)
    complaint = walk_to_return_visited(complaint, by=desk, handler=handler, unit=units.quality)
    before = snapshot(complaint)
    logged_in(client, desk)

    html = client.get(f"/complaints/{complaint.pk}/").content.decode()
    close = re.search(r'<form[^>]*data-action="close".*?</form>', html, re.S).group(0)
    assert 'name="case_study"' in close and 'name="improvement"' in close and 'name="case_title"' in close

    r = client.post(
        f"/complaints/{complaint.pk}/actions/close/", {"improvement": "加强安装质检", "case_study": " "}, **HTMX
    )
    assert r.status_code == 400
    assert 'data-field="case_study">A class-3 complaint closes only with its case study.<' in r.content.decode()
    assert 'value="加强安装质检"' in r.content.decode() or "加强安装质检</textarea>" in r.content.decode()
    assert snapshot(complaint) == before

    r = client.post(
        f"/complaints/{complaint.pk}/actions/close/",
        {
            "improvement": "加强安装质检", "case_title": "微博投诉：热水器漏水",
            "case_study": "经过：……\n教训：首问负责。",
        },
        **HTMX,
    )
    assert r.status_code == 200
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.state, fresh.improvement) == ("closed", "加强安装质检")
    study = CaseStudy.objects.get(complaint=complaint)
    assert (study.title, study.body, study.written_by) == ("微博投诉：热水器漏水", "经过：……\n教训：首问负责。", desk)
    assert Deadline.objects.filter(complaint=fresh, met_at__isnull=True, cancelled_at__isnull=True).count() == 0


def test_a_class_1_closes_with_an_improvement_and_no_case_study(client, desk, units, handler):
    complaint = walk_to_return_visited(file_complaint(desk), by=desk, handler=handler, unit=units.quality)
    r = logged_in(client, desk).post(f"/complaints/{complaint.pk}/actions/close/", {"improvement": "更新安装规范"})
    assert r.status_code == 302
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.state, fresh.improvement) == ("closed", "更新安装规范")
    assert not CaseStudy.objects.filter(complaint=complaint).exists()


def test_the_task_sheet_shows_every_section_deadlines_history_and_the_customers_complaints(client, desk, units):
    first = file_complaint(desk, phone="13612345678", received_at=timezone.now() - datetime.timedelta(days=3))
    second = file_complaint(desk, phone="13612345678", category="service", cause="service")
    html = logged_in(client, desk).get(f"/complaints/{second.pk}/").content.decode()
    for section in ("receipt", "customer", "content", "class", "handling-unit", "result", "return-visit",
                    "accountability", "improvement"):
        assert f'id="sheet-{section}"' in html, section
    received = timezone.localtime(second.received_at, SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert received in html
    assert "Register complaint" in html and "Overall complaint" in html and "data-due=" in html
    assert '<li data-event="create">' in html
    assert f'href="/complaints/?customer={second.customer_id}"' in html
    assert "This customer&#x27;s complaints (2)" in html or "This customer's complaints (2)" in html
    # The repeat raised the first one to class 2.
    assert Complaint.objects.get(pk=first.pk).complaint_class == 2
    assert second.complaint_class == 2

    listing = client.get(f"/complaints/?customer={second.customer_id}")
    assert set(row_ids(listing)) == {first.pk, second.pk}
    assert "Complaints of 王伟" in listing.content.decode()


# --- print view ---------------------------------------------------------------------


def test_the_print_view_renders_all_sections_of_the_task_sheet(client, desk, units, handler, hr, tech1):
    complaint = file_complaint(desk, media=True, description="热水器漏水，客户发到微博")
    complaint = walk_to_return_visited(complaint, by=desk, handler=handler, unit=units.quality)
    finding = services.finding_propose(complaint_id=complaint.pk, by=handler, person=tech1.user,
                                       rule="安装未按规范打压测试", proposal="通报批评并扣绩效")
    services.finding_decide(finding_id=finding.pk, by=hr, decision="通报批评")
    services.complaint_close(complaint_id=complaint.pk, by=desk, improvement="安装后必须打压测试",
                             case_study="案例正文：漏水原因与教训", case_title="微博漏水投诉")

    r = logged_in(client, desk).get(f"/complaints/{complaint.pk}/print/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "客户意见处理任务单" in html and "Complaint task sheet" in html
    assert "@media print" in html and 'class="topbar"' not in html  # no navigation on paper
    for section in ("receipt", "customer", "content", "class", "handling-unit", "result", "return-visit",
                    "accountability", "improvement", "case-study", "deadlines", "signatures"):
        assert f'id="print-{section}"' in html, section
    for value in (
        complaint.number, "王伟", "客服中心", "质量部", "热水器漏水，客户发到微博",
        "The complaint has reached the media.", "主板受潮短路", "更换热水器主板，客户认可", "质量部 李部长", "客户满意",
        "安装未按规范打压测试", "通报批评并扣绩效", "通报批评", "安装后必须打压测试", "微博漏水投诉",
        "案例正文：漏水原因与教训",
    ):
        assert value in html, value
    received = timezone.localtime(complaint.received_at, SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert received in html
    assert html.count('class="line"') == 6  # signature and date for three people


def test_the_print_view_of_a_complaint_the_user_may_not_see_is_404(client, desk, units, logistics_handler):
    complaint = file_complaint(desk)
    assert logged_in(client, logistics_handler).get(f"/complaints/{complaint.pk}/print/").status_code == 404


# --- list -------------------------------------------------------------------------------


def test_the_list_filters_and_highlights_class_3_and_overdue(client, desk, units, django_assert_max_num_queries):
    old = file_complaint(
        desk, name="陈静", phone="13500000001", received_at=timezone.now() - datetime.timedelta(days=20)
    )
    media = file_complaint(desk, name="刘洋", phone="13500000002", media=True, category="service", cause="service")
    plain = file_complaint(desk, name="黄杰", phone="13500000003", category="suggestion", cause="")
    services.complaint_reject(complaint_id=plain.pk, by=desk, reason="建议已转产品部")
    logged_in(client, desk)

    with django_assert_max_num_queries(15):
        r = client.get("/complaints/")
    assert set(row_ids(r)) == {old.pk, media.pk, plain.pk}
    html = r.content.decode()
    assert re.search(rf'<tr class="is-overdue" data-complaint="{old.pk}"', html)
    assert re.search(rf'<tr class=" is-class3" data-complaint="{media.pk}"', html)

    assert row_ids(client.get("/complaints/?overdue=true")) == [old.pk]
    assert row_ids(client.get("/complaints/?complaint_class=3")) == [media.pk]
    assert row_ids(client.get("/complaints/?state=rejected")) == [plain.pk]
    assert row_ids(client.get("/complaints/?category=service")) == [media.pk]
    assert row_ids(client.get(f"/complaints/?q={old.number}")) == [old.pk]
    assert row_ids(client.get("/complaints/?q=刘")) == [media.pk]
    assert row_ids(client.get("/complaints/?q=135 0000 0003")) == [plain.pk]


def test_each_role_sees_only_the_complaints_it_may_see(client, desk, units, handler, partner_user, partner2_user, hr,
                                                       tech1):
    forwarded = file_complaint(desk)
    services.complaint_forward(complaint_id=forwarded.pk, by=desk, handling_unit=units.quality)
    elsewhere = file_complaint(desk, cause="transport")
    services.complaint_forward(complaint_id=elsewhere.pk, by=desk, handling_unit=units.logistics)
    by_partner = file_complaint(partner_user)

    assert set(row_ids(logged_in(client, desk).get("/complaints/"))) == {forwarded.pk, elsewhere.pk, by_partner.pk}
    assert set(row_ids(logged_in(client, handler).get("/complaints/"))) == {forwarded.pk}
    assert set(row_ids(logged_in(client, partner_user).get("/complaints/"))) == {by_partner.pk}
    assert row_ids(logged_in(client, partner2_user).get("/complaints/")) == []
    assert row_ids(logged_in(client, hr).get("/complaints/")) == []
    assert logged_in(client, tech1.user).get("/complaints/").status_code == 403

    assert logged_in(client, handler).get(f"/complaints/{elsewhere.pk}/").status_code == 404
    assert logged_in(client, partner2_user).get(f"/complaints/{by_partner.pk}/").status_code == 404
    assert logged_in(client, hr).get(f"/complaints/{forwarded.pk}/").status_code == 404
    assert logged_in(client, tech1.user).get(f"/complaints/{forwarded.pk}/").status_code == 404


# --- the handling unit's queue ------------------------------------------------------------


def test_the_handlers_queue_shows_only_their_units_open_sheets_sorted_by_due(client, desk, units, handler):
    now = timezone.now()
    # Received three hours ago: the next due is the reply, 3 working days after the forward.
    later_due = file_complaint(desk, received_at=now - datetime.timedelta(hours=3))
    # Received one hour ago from sales: feedback to the salesperson was due 30 minutes after receipt.
    sooner_due = file_complaint(desk, received_at=now - datetime.timedelta(hours=1), source="sales")
    disputed = file_complaint(desk, received_at=now - datetime.timedelta(hours=2))
    replied = file_complaint(desk)
    other_unit = file_complaint(desk, cause="transport")
    not_forwarded = file_complaint(desk)
    for c in (later_due, sooner_due, disputed, replied):
        services.complaint_forward(complaint_id=c.pk, by=desk, handling_unit=units.quality)
    services.complaint_forward(complaint_id=other_unit.pk, by=desk, handling_unit=units.logistics)
    for c in (disputed, replied):
        services.complaint_reply(complaint_id=c.pk, by=handler, result="已处理")
    services.complaint_return_visit(complaint_id=disputed.pk, by=desk, satisfied=False, note="不满意")

    r = logged_in(client, handler).get("/complaints/queue/")
    assert r.status_code == 200
    ids = row_ids(r)
    assert set(ids) == {later_due.pk, sooner_due.pk, disputed.pk}
    assert not_forwarded.pk not in ids and other_unit.pk not in ids and replied.pk not in ids

    def next_due(c):
        return (
            Deadline.objects.filter(complaint=c, met_at__isnull=True, cancelled_at__isnull=True)
            .order_by("due_at")[0]
            .due_at
        )

    assert ids == sorted(
        ids, key=lambda pk: (next_due(Complaint.objects.get(pk=pk)), Complaint.objects.get(pk=pk).received_at)
    )
    assert ids.index(sooner_due.pk) < ids.index(later_due.pk)  # received later, due sooner
    html = r.content.decode()
    assert "质量部" in html and "overdue by" in html and " left" in html


def test_the_queue_is_for_handlers_and_supervisors_pick_a_unit(client, desk, units, handler, supervisor):
    complaint = file_complaint(desk)
    services.complaint_forward(complaint_id=complaint.pk, by=desk, handling_unit=units.quality)
    assert logged_in(client, desk).get("/complaints/queue/").status_code == 403
    r = logged_in(client, supervisor).get("/complaints/queue/")
    assert r.status_code == 200 and row_ids(r) == []
    assert row_ids(client.get(f"/complaints/queue/?unit={units.quality.pk}")) == [complaint.pk]
    assert row_ids(client.get(f"/complaints/queue/?unit={units.logistics.pk}")) == []


# --- overview -------------------------------------------------------------------------------


def test_the_overview_shows_open_by_class_and_category_on_time_rates_and_class_3_cases(client, desk, units, supervisor,
                                                                                          manager, handler):
    long_ago = timezone.now() - datetime.timedelta(days=20)
    late = file_complaint(desk, received_at=long_ago, name="甲")
    early = file_complaint(desk, received_at=long_ago, name="乙", category="service", cause="service")
    file_complaint(desk, name="丙", category="service", cause="service", external=True)
    media = file_complaint(desk, name="丁", category="suggestion", cause="", media=True)
    closed = walk_to_return_visited(file_complaint(desk, name="戊"), by=desk, handler=handler, unit=units.quality)
    services.complaint_close(complaint_id=closed.pk, by=desk, improvement="x")
    for c in (late, early):
        services.complaint_forward(complaint_id=c.pk, by=desk, handling_unit=units.quality)
    # As if "early" had been forwarded two hours after it came in: its register step was on time.
    Deadline.objects.filter(complaint=early, kind="register").update(met_at=long_ago + datetime.timedelta(hours=2))

    r = logged_in(client, supervisor).get("/complaints/overview/")
    assert r.status_code == 200
    html = r.content.decode()
    table = re.search(r'<table class="grid" id="by-class-category">.*?</table>', html, re.S).group(0)
    cells = {level: re.findall(r'<td class="num">(\d+)</td>', row)
             for level, row in re.findall(r'<tr data-class="(\d)">(.*?)</tr>', table, re.S)}
    # columns: quality, service, suggestion
    assert cells == {"1": ["1", "1", "0"], "2": ["0", "1", "0"], "3": ["0", "0", "1"]}
    assert re.search(r'id="figure-open"><span class="figure-number">4<', html)
    assert re.search(r'id="figure-class3"><span class="figure-number">1<', html)

    steps = {kind: (total, on_time) for kind, total, on_time in re.findall(
        r'<tr data-step="(\w+)"><td>[^<]*</td><td class="num">(\d+)</td><td class="num">(\d+)</td>', html)}
    rates = {s: re.search(rf'<tr data-step="{s}">.*?<td data-rate>(.*?)</td>', html, re.S).group(1) for s in steps}
    assert steps["register"] == ("2", "1") and rates["register"].endswith("50.0%")
    assert steps["overall"] == ("2", "0") and rates["overall"].endswith("0.0%")
    assert steps["reply"] == ("0", "0") and "—" in rates["reply"]
    assert list(steps) == ["register", "reply", "overall", "return_visit", "acknowledge"]

    class3 = re.search(r'<table class="grid" id="class3">.*?</table>', html, re.S).group(0)
    assert f'data-complaint="{media.pk}"' in class3 and class3.count("data-complaint=") == 1

    assert logged_in(client, manager).get("/complaints/overview/").status_code == 200
    assert logged_in(client, desk).get("/complaints/overview/").status_code == 403
    assert logged_in(client, handler).get("/complaints/overview/").status_code == 403


# --- case studies ----------------------------------------------------------------------------


def test_the_case_study_library_is_shared_with_the_department(client, desk, units, handler, logistics_handler, tech1,
                                                               partner_user):
    complaint = walk_to_return_visited(file_complaint(desk, media=True), by=desk, handler=handler, unit=units.quality)
    services.complaint_close(
        complaint_id=complaint.pk, by=desk, case_study="经过与教训：首问负责制。", case_title="漏水上了微博"
    )
    study = CaseStudy.objects.get()

    r = logged_in(client, logistics_handler).get("/complaints/case-studies/")
    assert r.status_code == 200 and "漏水上了微博" in r.content.decode()
    detail = client.get(f"/complaints/case-studies/{study.pk}/").content.decode()
    assert "经过与教训：首问负责制。" in detail and complaint.number in detail
    # Another unit's handler reads the lesson but may not open the complaint itself.
    assert f'href="/complaints/{complaint.pk}/"' not in detail
    detail = logged_in(client, desk).get(f"/complaints/case-studies/{study.pk}/").content.decode()
    assert f'href="/complaints/{complaint.pk}/"' in detail

    assert logged_in(client, tech1.user).get("/complaints/case-studies/").status_code == 403
    assert logged_in(client, partner_user).get(f"/complaints/case-studies/{study.pk}/").status_code == 403


# --- accountability ---------------------------------------------------------------------------


def test_a_handler_proposes_accountability_and_hr_decides_from_the_findings_page(client, desk, units, handler, hr,
                                                                                   supervisor):
    technician = TechnicianFactory(user=UserFactory(username="tech9", first_name="师傅刘", roles=["technician"]))
    complaint = file_complaint(desk, cause="service", category="service")
    services.complaint_forward(complaint_id=complaint.pk, by=desk, handling_unit=units.quality)

    logged_in(client, handler)
    r = client.post(
        f"/complaints/{complaint.pk}/actions/propose-finding/", {"person": "nobody", "rule": "x", "proposal": "y"},
        **HTMX,
    )
    assert r.status_code == 400 and "No active user “nobody”." in r.content.decode()
    assert Finding.objects.count() == 0
    r = client.post(f"/complaints/{complaint.pk}/actions/propose-finding/", {
        "person": technician.user.username, "rule": "上门未穿工服、未带鞋套", "proposal": "扣当月服务分5分"}, **HTMX)
    assert r.status_code == 200
    finding = Finding.objects.get()
    assert (finding.person, finding.state, finding.proposed_by) == (technician.user, "proposed", handler)
    assert "Waiting for HR&#x27;s decision." in r.content.decode() or "Waiting for HR's decision." in r.content.decode()

    logged_in(client, hr)
    page = client.get("/complaints/findings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        f'data-finding="{finding.pk}"' in html and "上门未穿工服、未带鞋套" in html and 'data-action="decide"' in html
    )
    # HR may now open the complaint the finding is about.
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 200

    r = client.post(f"/complaints/findings/{finding.pk}/decide/?state=proposed", {"decision": "  "})
    assert r.status_code == 400 and 'data-field="decision">This field may not be blank.<' in r.content.decode()
    assert Finding.objects.get().state == "proposed"

    r = client.post(f"/complaints/findings/{finding.pk}/decide/?state=proposed", {"decision": "书面警告一次"})
    assert r.status_code == 302
    finding.refresh_from_db()
    assert (finding.state, finding.decision, finding.decided_by) == ("decided", "书面警告一次", hr)
    assert ComplaintEvent.objects.filter(complaint=complaint, action="decide-finding", by=hr).count() == 1
    assert f'data-finding="{finding.pk}"' not in client.get(r["Location"]).content.decode()  # off the waiting list
    assert "书面警告一次" in client.get("/complaints/findings/?state=decided").content.decode()
    assert "书面警告一次" in logged_in(client, desk).get(f"/complaints/{complaint.pk}/").content.decode()

    # A supervisor reads the queue but only HR decides.
    other = services.finding_propose(
        complaint_id=complaint.pk, by=handler, person=technician.user, rule="r", proposal="p"
    )
    html = logged_in(client, supervisor).get("/complaints/findings/").content.decode()
    assert f'data-finding="{other.pk}"' in html and 'data-action="decide"' not in html
    r = client.post(f"/complaints/findings/{other.pk}/decide/", {"decision": "免予处分"}, follow=True)
    assert "Only HR decides on accountability." in r.content.decode()
    assert Finding.objects.get(pk=other.pk).state == "proposed"
    assert logged_in(client, desk).get("/complaints/findings/").status_code == 403


# --- navigation and log-in ------------------------------------------------------------------


def test_the_header_links_the_complaint_pages_of_the_users_roles(client, desk, units, handler, hr, tech1):
    html = logged_in(client, desk).get("/complaints/").content.decode()
    assert 'href="/complaints/"' in html and 'href="/complaints/case-studies/"' in html
    assert 'href="/complaints/queue/"' not in html and 'href="/complaints/findings/"' not in html
    html = logged_in(client, handler).get("/complaints/").content.decode()
    assert 'href="/complaints/queue/"' in html and 'href="/complaints/case-studies/"' in html
    html = logged_in(client, hr).get("/complaints/").content.decode()
    assert 'href="/complaints/findings/"' in html and 'href="/complaints/case-studies/"' not in html
    html = logged_in(client, tech1.user).get("/my-jobs/").content.decode()
    assert 'href="/complaints/"' not in html


@pytest.mark.parametrize("url", ["/complaints/", "/complaints/new/", "/complaints/1/", "/complaints/1/print/",
                                 "/complaints/queue/", "/complaints/overview/", "/complaints/case-studies/",
                                 "/complaints/case-studies/1/", "/complaints/findings/"])
def test_every_complaint_page_needs_a_login(client, url):
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=")


# --- demo data ---------------------------------------------------------------------------------


def test_seed_demo_walks_complaints_into_every_state_and_class_and_runs_again_without_duplicates(client, settings):
    from django.core.management import call_command

    from servicedesk.accounts.models import User

    settings.DEBUG = True
    call_command("seed_demo", orders=20, complaints=40, verbosity=0)
    assert Complaint.objects.count() == 40
    assert set(Complaint.objects.values_list("state", flat=True)) == set(Complaint.State.values)
    assert set(Complaint.objects.values_list("complaint_class", flat=True)) == {1, 2, 3}
    assert not Complaint.objects.filter(state="closed", complaint_class=3, case_study__isnull=True).exists()
    assert Finding.objects.filter(state="proposed").exists() and Finding.objects.filter(state="decided").exists()
    handler = User.objects.get(username="handler")
    assert row_ids(logged_in(client, handler).get("/complaints/queue/"))

    call_command("seed_demo", orders=20, complaints=40, verbosity=0)
    assert Complaint.objects.count() == 40


# --- in a real browser (htmx) ---------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the live server needs committed rows
def test_in_a_browser_the_handler_replies_and_a_class_3_close_needs_its_case_study(
    browser, live_server, desk, units, handler, password
):
    complaint = file_complaint(desk, media=True)
    services.complaint_forward(complaint_id=complaint.pk, by=desk, handling_unit=units.quality)
    base = live_server.url

    def log_in(page, username):
        page.goto(f"{base}/accounts/login/")
        page.fill("form.login-form input[name=username]", username)
        page.fill("form.login-form input[name=password]", password)
        page.click("form.login-form button[type=submit]")
        page.wait_for_load_state("load")

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(15000)

    # The handler finds the sheet in the unit's queue and replies on the page (htmx, no reload).
    log_in(page, "handler")
    page.goto(f"{base}/complaints/queue/")
    page.click(f"tr[data-complaint='{complaint.pk}'] a.order-link")
    page.wait_for_url(f"{base}/complaints/{complaint.pk}/")
    page.evaluate("window.notReloaded = true")
    reply = page.locator("form[data-action=reply]")
    reply.locator("textarea[name=investigation]").fill("主板受潮短路")
    reply.locator("textarea[name=result]").fill("更换主板，客户认可")
    reply.locator("input[name=head_signed_by]").fill("质量部 李部长")
    reply.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=state]")).to_have_text("Replied", timeout=15000)
    assert page.evaluate("window.notReloaded") is True
    assert "is now “Replied”" in page.text_content("#messages")
    assert "更换主板，客户认可" in page.text_content("#sheet-result")
    page.click("form[action='/accounts/logout/'] button")

    services.complaint_return_visit(complaint_id=complaint.pk, by=desk, satisfied=True, note="满意")

    # The agent tries to close the class-3 complaint without its case study: the error shows in place.
    log_in(page, "agent")
    page.goto(f"{base}/complaints/{complaint.pk}/")
    close = page.locator("form[data-action=close]")
    close.locator("textarea[name=improvement]").fill("安装后打压测试")
    close.locator("button[type=submit]").click()
    page.wait_for_selector("small.field-error[data-field=case_study]")
    assert page.text_content("[data-testid=state]").strip() == "Return visited"
    assert page.locator("form[data-action=close] textarea[name=improvement]").input_value() == "安装后打压测试"
    assert Complaint.objects.get(pk=complaint.pk).state == "return_visited"

    page.locator("form[data-action=close] textarea[name=case_study]").fill("经过与教训")
    page.locator("form[data-action=close] button[type=submit]").click()
    expect(page.locator("[data-testid=state]")).to_have_text("Closed", timeout=15000)
    assert CaseStudy.objects.get(complaint=complaint).body == "经过与教训"
    context.close()
