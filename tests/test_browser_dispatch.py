"""The dispatch board in a real browser (issue 17): the dispatcher drags an
order onto a technician (HTML5 drag and drop, Playwright's real dragging),
drags it from that technician's row onto a time of another's (reassign and
propose the slot), dispatches one more with the keyboard form; the
supervisor approves an installation in the director's queue."""

import datetime

import pytest
from django.utils import timezone

from dispatch.models import SlotProposal, WorkingHours
from tickets import services as ticket_services
from tickets.models import WorkOrder

from .test_browser_work_orders import expect, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CUSTOMER = {"name": "王伟", "phone": "13800138000", "address": "北京市朝阳区建国路88号"}


def new_order(by, category, phone, kind="repair"):
    order, _ = ticket_services.work_order_create(
        by=by, kind=kind, description="热水器点不着火", customer={**CUSTOMER, "phone": phone},
        product={"category": category, "model": "JSQ-20", "serial": "SN-1"})
    return order


def test_drag_an_order_onto_a_technician_then_reassign_it_onto_a_time(
        browser, live_server, agent, dispatcher, tech1, tech2, category, password):
    today = timezone.localdate()
    for tech in (tech1, tech2):
        WorkingHours.objects.create(technician=tech, weekday=today.weekday(), start=datetime.time(8),
                                    end=datetime.time(18))
    order = new_order(agent, category, "13800000001")
    other = new_order(agent, category, "13800000002")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server.url, "dispatcher", password)
    page.wait_for_url(f"{live_server.url}/dispatch/board/")  # dispatchers land on the board

    # Drag the waiting order onto tech1.
    with page.expect_navigation():
        page.drag_and_drop(f".order-card[data-order='{order.pk}']", "[data-testid=row-tech1] .tech-cell")
    expect(page.locator(".alert-success")).to_contain_text(f"{order.number} dispatched to")
    order.refresh_from_db()
    assert (order.state, order.technician_id) == ("dispatched", tech1.pk)
    chip = page.locator(f"[data-testid=row-tech1] [data-order='{order.pk}']")
    expect(chip).to_be_visible()

    # Drag it from tech1's row onto 14:00 of tech2's: reassigned, the visit proposed.
    with page.expect_navigation():
        page.drag_and_drop(f"[data-testid=row-tech1] [data-order='{order.pk}']",
                           f"[data-testid=row-tech2] .slot[data-at='{today:%Y-%m-%d}T14:00']")
    expect(page.locator(".alert-success")).to_contain_text(f"{order.number} dispatched to")
    order.refresh_from_db()
    assert (order.state, order.technician_id) == ("dispatched", tech2.pk)
    assert timezone.localtime(SlotProposal.objects.get(order=order).start).strftime("%H:%M") == "14:00"
    expect(page.locator(f"[data-testid=row-tech2] .block.is-proposed[data-order='{order.pk}']")).to_be_visible()
    assert WorkOrder.objects.get(pk=order.pk).events.filter(action="dispatch").count() == 2

    # The keyboard alternative: select the order, choose the technician, press the button.
    page.locator(f".order-card[data-order='{other.pk}'] [data-select-order]").click()
    expect(page.locator("[data-testid=form-technician]")).to_be_focused()
    page.select_option("[data-testid=form-technician]", str(tech1.pk))
    with page.expect_navigation():
        page.locator("[data-testid=form-dispatch]").press("Enter")
    other.refresh_from_db()
    assert (other.state, other.technician_id) == ("dispatched", tech1.pk)
    context.close()


def test_the_supervisor_approves_an_installation_in_the_directors_queue(
        browser, live_server, supervisor, partner2_user, category, password):
    partner2_user.partner.installations_need_approval = True
    partner2_user.partner.save()
    order = new_order(partner2_user, category, "13800000003", kind="install")
    assert order.state == "awaiting_approval"
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  extra_http_headers={"Accept-Language": "zh-hans"}, timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server.url, "supervisor", password)
    page.goto(f"{live_server.url}/dispatch/approvals/")
    row = page.locator(f"[data-testid=approvals] tr[data-order='{order.pk}']")
    expect(row).to_contain_text(order.number)
    row.locator("input[name=note]").fill("总监已签字")
    with page.expect_navigation():
        row.locator("[data-testid=approve]").click()
    expect(page.locator(".alert-success")).to_contain_text("已审批通过")
    order.refresh_from_db()
    assert order.state == "received"
    assert order.events.order_by("-id").first().note == "总监已签字"
    assert {d.kind for d in order.deadlines.all()} == {"respond", "arrive"}
    context.close()
