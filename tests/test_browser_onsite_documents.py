"""The customer signs on the technician's phone (issue 14, items 4 and 5):
on a 390×844 viewport the technician opens the resolved order, a sign-off
without a signature is refused naming it, the customer draws a signature on
the canvas (with the mouse, as a finger would), clears it and signs again,
the sign-off is sent, and the service record is listed as a PDF that opens."""

import pytest

from documents.models import Document, Signature
from tests.test_billing_support import make_order, on_site
from tickets import services

from .test_browser_work_orders import expect, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


def draw(page, canvas):
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for fx, fy in [(0.25, 0.2), (0.4, 0.8), (0.55, 0.25), (0.7, 0.75), (0.9, 0.3)]:
        page.mouse.move(x + w * fx, y + h * fy, steps=8)
    page.mouse.up()


@pytest.mark.parametrize("locale,listed", [("en-US", "Service record"), ("zh-CN", "一票到底服务记录单")])
def test_the_customer_signs_on_the_phone_and_the_service_record_is_listed(
        browser, live_server, agent, dispatcher, tech1, password, locale, listed):
    order = on_site(make_order(agent), dispatcher=dispatcher, tech=tech1)
    services.work_order_resolve(order_id=order.pk, by=tech1.user, resolution="更换点火针")
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale=locale, timezone_id="Asia/Shanghai", has_touch=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, base, "tech1", password)
    page.goto(f"{base}/work-orders/{order.pk}/")
    form = page.locator("form[data-action=sign-off]")
    canvas = form.locator("[data-signature-pad] canvas")
    canvas.scroll_into_view_if_needed()
    expect(canvas).to_be_visible()
    assert canvas.bounding_box()["width"] >= 280  # fills the phone's width

    # Sent without a signature: refused, naming it, and nothing changes.
    form.locator("select[name=satisfaction]").select_option("5")
    form.locator("button[type=submit]").click()
    expect(page.locator("form[data-action=sign-off] .field-error")).to_be_visible()
    assert not Signature.objects.exists()

    form = page.locator("form[data-action=sign-off]")
    canvas = form.locator("[data-signature-pad] canvas")
    canvas.scroll_into_view_if_needed()
    draw(page, canvas)
    expect(form.locator("[data-signature-pad].signed")).to_have_count(1)
    # Clear and sign again.
    form.locator("[data-signature-clear]").click()
    expect(form.locator("[data-signature-pad].signed")).to_have_count(0)
    assert form.locator("input[name=signature]").input_value() == ""
    draw(page, canvas)
    expect(form.locator("[data-signature-pad].signed")).to_have_count(1)
    assert form.locator("input[name=signature]").input_value().startswith("data:image/png;base64,")
    form.locator("button[type=submit]").click()
    link = page.locator("[data-testid=documents] a[data-kind=service_record]")
    expect(link).to_be_visible()
    expect(link).to_contain_text(listed)
    signature = Signature.objects.get(order=order)
    assert not signature.refused and signature.image_sha256
    document = Document.objects.get(order=order)
    assert document.signature_id == signature.pk
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    context.close()
