"""The agent console end to end in a real browser (Debian's Chromium driven
by Playwright): the telephone switch posts a ring through the API, the
console of the agent it rings at pops with the caller within a second or two,
the agent files an emergency work order through the read-back, and the
dispatcher finds it at the top of the dispatch queue with its 30-minute
clock. A second run does the whole call in Chinese. (The README's
screenshots come from the demo data: docs/screenshots/take_console.py.)"""

import datetime
import json
import re
import time
import urllib.request

import pytest
from django.utils import timezone

from calls.models import CallLink
from tests.factories import AddressFactory, CustomerFactory, CustomerProductFactory, UserFactory
from tickets.models import WorkOrder

from .test_browser_work_orders import expect, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The console polls every CONSOLE_POLL_MS (500 ms): a pop is due within a
# second. The bound here leaves room for a loaded CI machine; the precise
# figure is bench/ring_to_pop.py's (docs/benchmarks.md).
POP_BOUND_SECONDS = 2.5


@pytest.fixture
def people(db, agent, dispatcher, supervisor, category):
    telephony = UserFactory(username="telephony", roles=["telephony"])
    customer = CustomerFactory(name="王伟", phone__number="13800138000")
    AddressFactory(customer=customer, text="北京市朝阳区建国路88号")
    product = CustomerProductFactory(customer=customer, category=category, model="JSQ-20", serial="SN-88",
                                     purchase_date=timezone.localdate() - datetime.timedelta(days=200),
                                     proof_of_purchase="INV-88")
    return {"telephony": telephony, "customer": customer, "product": product}


def api_post(base, path, body, *, token=None):
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Token {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read() or b"{}")


def switch_token(base, password):
    _status, body = api_post(base, "/api/v1/auth/token/", {"username": "telephony", "password": password})
    return body["token"]


def ring_and_time_the_pop(page, base, token, *, call_id, caller="13800138000", agent="agent"):
    """Post the ring as the switch does; seconds until the console shows the caller."""
    started = time.monotonic()
    status, body = api_post(base, "/api/v1/calls/events/", {
        "call_id": call_id, "event": "ring", "at": timezone.now().isoformat(), "caller": caller, "agent": agent,
    }, token=token)
    assert status == 201 and body["state"] == "ringing"
    page.wait_for_selector("[data-testid=caller-file]", timeout=10000)
    return time.monotonic() - started


def answer(base, token, *, call_id, agent="agent"):
    status, _body = api_post(base, "/api/v1/calls/events/", {
        "call_id": call_id, "event": "answer", "at": timezone.now().isoformat(), "agent": agent}, token=token)
    assert status == 201


def file_emergency(page, description):
    page.keyboard.press("Alt+w")
    panel = page.locator("[data-panel=work-order]")
    panel.locator("select[name=wo-kind]").select_option("emergency")
    panel.locator("textarea[name=wo-description]").fill(description)
    panel.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=readback]")


def test_ring_pops_the_console_and_the_emergency_reaches_the_dispatch_queue(
        browser, live_server, people, agent, password, tmp_path):
    base = live_server.url
    token = switch_token(base, password)
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="en-US",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)

    log_in(page, base, "agent", password)
    page.click("nav.mainnav a[href='/console/']")
    page.wait_for_selector("[data-testid=no-call]")
    page.evaluate("window.notReloaded = true")

    seconds = ring_and_time_the_pop(page, base, token, call_id="browser-1")
    print(f"ring -> console pop: {seconds * 1000:.0f} ms")
    assert seconds < POP_BOUND_SECONDS
    assert page.evaluate("window.notReloaded") is True  # pushed into the page, no reload
    assert page.text_content("[data-testid=caller]").strip() == "王伟"
    assert page.text_content("[data-testid=call-state]").strip() == "Ringing"
    assert "JSQ-20" in page.text_content("[data-testid=product]")

    answer(base, token, call_id="browser-1")
    expect(page.locator("[data-testid=call-state]")).to_have_text("Answered", timeout=15000)
    # First-question responsibility: the agent who answered owns the call.
    assert agent.display_name in page.text_content("[data-testid=call-owner]")

    # Keyboard-first: Alt+W opens the work-order form, Enter confirms the read-back.
    file_emergency(page, "燃气热水器漏气，屋里有煤气味")
    readback = page.text_content("[data-testid=readback]")
    assert "Close the gas valve in front of the meter." in readback
    assert re.search(r"Arrive on site: within (29|30) min", readback)
    assert WorkOrder.objects.count() == 0
    page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
    page.keyboard.press("Enter")  # the Confirm button has the focus
    page.wait_for_selector("[data-testid=filed]")

    order = WorkOrder.objects.get()
    assert (order.kind, order.state, order.owner.username) == ("emergency", "received", "agent")
    assert order.deadlines.get(kind="arrive").due_at - order.reported_at == datetime.timedelta(minutes=30)
    assert CallLink.objects.filter(call__call_id="browser-1", object_id=order.pk).exists()
    assert order.number in page.text_content("[data-testid=linked]")
    log_out(page)

    # The dispatcher's queue: the emergency on top, its 30-minute clock running.
    log_in(page, base, "dispatcher", password)
    page.click("nav.mainnav a[href='/dispatch-queue/']")
    first = page.locator("[data-testid=dispatch-queue] tbody tr").first
    assert first.get_attribute("data-order") == str(order.pk)
    assert first.get_attribute("data-kind") == "emergency"
    assert "Arrive on site" in first.text_content()
    assert re.search(r"(29|30) min left", first.locator(".countdown").text_content())
    log_out(page)

    # The supervisor's wallboard shows the day.
    log_in(page, base, "supervisor", password)
    page.click("nav.mainnav .navgroup:has(a[href='/wallboard/']) > summary")  # a supervisor's menu is grouped
    page.click("nav.mainnav a[href='/wallboard/']")
    assert page.text_content("[data-kpi=within] .value").strip() == "100.0%"
    page.screenshot(path=str(tmp_path / "wallboard.png"), full_page=True)
    context.close()


def test_the_whole_call_in_chinese(browser, live_server, people, password, tmp_path):
    base = live_server.url
    token = switch_token(base, password)
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", extra_http_headers={"Accept-Language": "zh-hans"})
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, base, "agent", password)
    page.click("nav.mainnav a[href='/console/']")
    assert page.text_content("h1").strip() == "坐席工作台"
    assert "等待来电" in page.text_content("#call-watch")

    # A number the company does not know: "new caller", the phone prefilled.
    ring_and_time_the_pop(page, base, token, call_id="browser-zh", caller="13911112222")
    assert page.text_content("[data-testid=caller]").strip() == "新来电人"
    assert page.input_value("input[name=wo-customer_phone]") == "13911112222"
    answer(base, token, call_id="browser-zh")
    expect(page.locator("[data-testid=call-state]")).to_have_text("已接听", timeout=15000)
    page.fill("input[name=wo-customer_name]", "张敏")
    page.fill("input[name=wo-customer_address]", "上海市浦东新区世纪大道100号")
    file_emergency(page, "燃气灶漏气")
    readback = page.text_content("[data-testid=readback]")
    assert "向来电人复述" in readback and "关闭燃气表前的阀门。" in readback
    assert "一次性告知来电人" in readback
    page.screenshot(path=str(tmp_path / "zh-console.png"), full_page=True)
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=filed]")
    assert "已登记" in page.text_content("[data-testid=filed]")
    order = WorkOrder.objects.get()
    assert (order.customer.name, order.kind) == ("张敏", "emergency")
    context.close()


def test_an_abandoned_call_is_called_back_from_the_console(browser, live_server, people, agent, password):
    """The switch reports a ring and a hang-up: the agent lands on the console
    after logging in, takes the callback from the panel, records "reached"
    and the caller's file opens on an outgoing call."""
    from calls.models import Call, Callback

    base = live_server.url
    token = switch_token(base, password)
    hung_up = timezone.now() - datetime.timedelta(minutes=3)
    for name, at in (("ring", hung_up - datetime.timedelta(seconds=14)), ("hangup", hung_up)):
        status, _body = api_post(base, "/api/v1/calls/events/", {
            "call_id": "browser-cb", "event": name, "at": at.isoformat(), "caller": "13800138000"}, token=token)
        assert status == 201
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="en-US",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, base, "agent", password)
    assert page.url.endswith("/console/")  # agents land on the console
    panel = page.locator("[data-testid=callbacks-panel]")
    assert "Callbacks waiting (1)" in panel.text_content()
    assert "13800138000" in panel.text_content() and "王伟" in panel.text_content()

    panel.locator("[data-action=take]").click()
    page.wait_for_selector("[data-testid=callbacks-panel] form.attempt textarea")
    assert "You took the callback" in page.text_content("#messages")
    page.fill("[data-testid=callbacks-panel] form.attempt textarea", "已联系客户，热水器不出热水")
    page.click("[data-testid=callbacks-panel] [data-action=reached-open]")
    page.wait_for_url(re.compile(r".*/console/calls/\d+/$"))
    page.wait_for_selector("[data-testid=caller-file]")
    assert page.text_content("[data-testid=caller]").strip() == "王伟"
    callback = Callback.objects.get(call__call_id="browser-cb")
    assert (callback.state, callback.outcome, callback.assigned_to.username) == ("done", "reached", "agent")
    outgoing = Call.objects.get(channel=Call.Channel.OUTBOUND)
    assert page.url.endswith(f"/console/calls/{outgoing.pk}/") and outgoing.owner.username == "agent"
    assert "Callbacks waiting (0)" in page.text_content("[data-testid=callbacks-panel]")
    context.close()


def test_the_callback_panel_refreshes_itself(browser, live_server, people, password, settings):
    """A call abandoned while the agent looks at the console shows up in the
    panel without a reload (CALLBACK_REFRESH_SECONDS), and not while a note
    is being typed."""
    settings.SERVICEDESK = {**settings.SERVICEDESK, "CALLBACK_REFRESH_SECONDS": 1}
    base = live_server.url
    token = switch_token(base, password)
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="en-US",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, "agent", password)
    assert "Callbacks waiting (0)" in page.text_content("[data-testid=callbacks-panel]")
    page.evaluate("window.notReloaded = true")
    now = timezone.now()
    for name, at in (("ring", now - datetime.timedelta(seconds=8)), ("hangup", now)):
        api_post(base, "/api/v1/calls/events/", {
            "call_id": "browser-refresh", "event": name, "at": at.isoformat(), "caller": "13900139000"}, token=token)
    page.wait_for_selector("[data-testid=callbacks-panel][data-count='1']", timeout=8000)
    assert page.evaluate("window.notReloaded") is True

    # A note being typed is not swapped away by the refresh.
    page.click("[data-testid=callbacks-panel] [data-action=take]")
    note = "[data-testid=callbacks-panel] form.attempt textarea"
    page.fill(note, "正在拨打")
    for name, at in (("ring", now - datetime.timedelta(seconds=5)), ("hangup", now)):
        api_post(base, "/api/v1/calls/events/", {
            "call_id": "browser-refresh-2", "event": name, "at": at.isoformat(), "caller": "13700137000"}, token=token)
    page.wait_for_timeout(3000)
    assert page.get_attribute("[data-testid=callbacks-panel]", "data-count") == "1"
    assert page.input_value(note) == "正在拨打"
    page.fill(note, "")
    page.locator(note).blur()
    page.wait_for_selector("[data-testid=callbacks-panel][data-count='2']", timeout=8000)
    assert errors == []
    context.close()


def test_the_draft_survives_a_hang_up_and_the_next_call_waits(browser, live_server, people, agent, password):
    """issue 13 item 5: the caller hangs up while the agent is typing and
    another call rings: the console keeps the typed order (after-call state)
    and shows the next call waiting; once filed, the caller's open orders show
    it and the next call comes up. The caller's only product is preselected;
    a promise due tomorrow shows its date."""
    from calls.models import Call

    base = live_server.url
    token = switch_token(base, password)
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="en-US",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, base, "agent", password)
    page.goto(f"{base}/console/")
    ring_and_time_the_pop(page, base, token, call_id="draft-1")
    answer(base, token, call_id="draft-1")
    first = Call.objects.get(call_id="draft-1")
    page.keyboard.press("Alt+w")
    panel = page.locator("[data-panel=work-order]")
    assert panel.locator("select[name=wo-existing_product]").input_value() == str(people["product"].pk)
    panel.locator("select[name=wo-kind]").select_option("repair")
    panel.locator("textarea[name=wo-description]").fill("热水器不出热水，显示E1")

    status, _body = api_post(base, "/api/v1/calls/events/", {
        "call_id": "draft-1", "event": "hangup", "at": timezone.now().isoformat()}, token=token)
    assert status == 201
    status, _body = api_post(base, "/api/v1/calls/events/", {
        "call_id": "draft-2", "event": "ring", "at": timezone.now().isoformat(), "caller": "13900139000",
        "agent": "agent"}, token=token)
    assert status == 201
    page.wait_for_selector("[data-testid=next-call]")
    assert "13900139000" in page.text_content("[data-testid=next-call]")
    time.sleep(1.5)  # a few more polls: the draft stays
    assert page.get_attribute("#workspace", "data-call") == str(first.pk)
    assert panel.locator("textarea[name=wo-description]").input_value() == "热水器不出热水，显示E1"

    panel.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=readback]")
    assert re.search(r"Arrive on site: within 24 hours, by \d{1,2} [A-Z][a-z]{2} \d\d:\d\d\.",
                     page.text_content("[data-testid=promise]"))
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=filed]")
    order = WorkOrder.objects.get()
    assert order.product == people["product"]
    # the due time is tomorrow: shown with its date
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d\d:\d\d", page.text_content("[data-testid=filed-due-arrive]").strip())
    # the caller's file shows the order just filed; the waiting call comes up when taken
    assert order.number in page.text_content("#caller-file [data-testid=open-order]")
    time.sleep(1.5)
    assert page.get_attribute("#workspace", "data-call") == str(first.pk)
    page.click("[data-testid=take-next]")
    page.wait_for_function(
        f"document.querySelector('#workspace').dataset.call === '{Call.objects.get(call_id='draft-2').pk}'")
    context.close()
