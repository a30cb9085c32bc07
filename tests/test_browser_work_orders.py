"""A work order end to end in a real browser (Debian's Chromium driven by
Playwright), through the pages and htmx: an agent creates it, a dispatcher
dispatches it to tech1, and tech1 finds it on "my jobs" on a phone-sized
screen and accepts it there."""

import re

import pytest

from tickets.models import WorkOrder, WorkOrderEvent

# serialized_rollback: the live server needs committed rows, and the data the
# migrations load (roles, SLA policies) must be there for this test and back
# for the next transactional one, whichever order they run in.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def expect(locator):
    """Playwright's expect (imported late, as the browser fixture does). Waits
    without evaluating a string in the page, which the Content-Security-Policy
    refuses (page.wait_for_function would)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("form.login-form input[name=username]", username)
    page.fill("form.login-form input[name=password]", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state("load")


def log_out(page):
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r".*/accounts/login/$"))


def test_agent_creates_dispatcher_dispatches_technician_sees_it_on_my_jobs(
    browser, live_server, agent, dispatcher, tech1, category, password
):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)

    # The agent takes the call and creates the order.
    log_in(page, base, "agent", password)
    page.wait_for_url(f"{base}/console/")  # agents land on the console
    page.click("nav.mainnav a[href='/work-orders/new/']")
    page.select_option("select[name=kind]", "repair")
    page.fill("input[name=customer_name]", "王伟")
    page.fill("input[name=customer_phone]", "138 0013 8000")
    page.fill("input[name=customer_address]", "北京市朝阳区建国路88号")
    page.select_option("select[name=category]", category.slug)
    page.fill("input[name=model]", "JSQ-20")
    page.fill("textarea[name=description]", "热水器点不着火")
    page.click("form.create-form button[type=submit]")
    # A bound on a wait, not a measurement: on a machine running several suites the create took longer than 15 s.
    page.wait_for_url(re.compile(r".*/work-orders/\d+/$"), timeout=45000)
    order = WorkOrder.objects.get()
    assert page.url == f"{base}/work-orders/{order.pk}/"
    assert page.text_content("[data-testid=state]").strip() == "Received"
    assert f"Work order {order.number} created." in page.text_content("#messages")
    # The agent may not dispatch: only postponing and cancelling are offered.
    assert page.locator("form[data-action]").evaluate_all("fs => fs.map(f => f.dataset.action)") == [
        "postpone", "cancel"]
    log_out(page)

    # The dispatcher dispatches it to tech1 from the ranked candidates (htmx, no reload).
    log_in(page, base, "dispatcher", password)
    page.goto(f"{base}/work-orders/{order.pk}/")
    page.evaluate("window.notReloaded = true")
    dispatch = page.locator("form[data-action=dispatch]")
    dispatch.locator("select[name=technician]").select_option(str(tech1.pk))
    dispatch.locator("textarea[name=note]").fill("片区师傅")
    dispatch.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=state]")).to_have_text("Dispatched", timeout=15000)
    assert page.evaluate("window.notReloaded") is True  # the panel was swapped in place
    assert "is now “Dispatched”" in page.text_content("#messages")
    assert "Received → Dispatched" in page.text_content("[data-testid=history]")
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert (fresh.state, fresh.technician_id) == ("dispatched", tech1.pk)
    assert WorkOrderEvent.objects.filter(order=order, action="dispatch", by=dispatcher).count() == 1
    log_out(page)
    context.close()

    # tech1, on a phone, lands on "my jobs", finds the order and accepts it there.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                locale="en-US", timezone_id="Asia/Shanghai")
    page = phone.new_page()
    page.set_default_timeout(15000)
    log_in(page, base, "tech1", password)
    page.wait_for_url(f"{base}/my-jobs/")
    card = page.locator(f"#job-{order.pk}")
    assert order.number in card.text_content() and "王伟" in card.text_content()
    card.locator("form[data-action=accept] button[type=submit]").click()
    expect(page.locator(f"#job-{order.pk} .badge").first).to_have_text("Accepted", timeout=15000)
    assert WorkOrder.objects.get(pk=order.pk).state == "accepted"
    # No sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
