"""Takes the screenshots of docs/onsite-documents.md from a running
servicedesk with the demo data (DEBUG=1 manage.py seed_demo), in Debian's
Chromium:

    BASE_URL=http://127.0.0.1:8000 .venv/bin/python docs/screenshots/take_onsite_documents.py

Through the API it walks two new orders (one per language) to "resolved"
as the demo agent, dispatcher and technician would, with a photo; then, on a
390 px phone, the technician's sign-off form with a signature drawn on the
pad; after the sign-off, the on-site records card on the phone and at
1440 px with the service record listed, and the record's print view (the
same content as the PDF)."""

import io
import json
import os
import pathlib
import urllib.request
import uuid

from PIL import Image, ImageDraw
from playwright.sync_api import sync_playwright

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-servicedesk")
OUT = pathlib.Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def call(method, path, body=None, token=None, *, raw=None, content_type="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {"Content-Type": content_type, **({"Authorization": f"Token {token}"} if token else {})}
    request = urllib.request.Request(f"{BASE_URL}{path}", data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def token(username):
    return call("POST", "/api/v1/auth/token/", {"username": username, "password": PASSWORD})["token"]


def photo(token_, order_id):
    image = Image.new("RGB", (800, 600), "#dbeafe")
    ImageDraw.Draw(image).rectangle([250, 120, 550, 520], outline="#1e3a8a", width=12)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"stage\"\r\n\r\nbefore\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode() + buffer.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    call("POST", f"/api/v1/work-orders/{order_id}/photos/", raw=body, token=token_,
         content_type=f"multipart/form-data; boundary={boundary}")


def resolved_order(name):
    agent, dispatcher = token("agent"), token("dispatcher")
    order = call("POST", "/api/v1/work-orders/", {
        "kind": "repair", "description": "热水器打不着火 Heater does not ignite",
        "customer": {"name": name, "phone": f"139{uuid.uuid4().int % 10**8:08d}", "address": "北京市朝阳区建国路88号"},
        "product": {"category": "gas_water_heater", "model": "JSQ20-10", "serial": "SN-2026-0042"}}, agent)
    candidates = call("GET", f"/api/v1/work-orders/{order['id']}/candidates/", None, dispatcher)
    call("POST", f"/api/v1/work-orders/{order['id']}/dispatch/", {"technician": candidates[0]["technician"]},
         dispatcher)
    username = candidates[0]["username"]
    tech = token(username)
    call("POST", f"/api/v1/work-orders/{order['id']}/accept/", {}, tech)
    call("POST", f"/api/v1/work-orders/{order['id']}/check-in/", {}, tech)
    photo(tech, order["id"])
    call("POST", f"/api/v1/work-orders/{order['id']}/resolve/",
         {"resolution": "更换点火针，试机正常 Replaced the igniter"}, tech)
    return order["id"], username


def draw(page, canvas):
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for fx, fy in [(0.2, 0.25), (0.3, 0.75), (0.42, 0.3), (0.5, 0.7), (0.62, 0.35), (0.75, 0.7), (0.9, 0.4)]:
        page.mouse.move(x + w * fx, y + h * fy, steps=10)
    page.mouse.up()


def take(browser, lang, locale, name):
    order_id, username = resolved_order(name)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale, timezone_id="Asia/Shanghai")
    page = phone.new_page()
    page.goto(f"{BASE_URL}/accounts/login/")
    page.fill("form.login-form input[name=username]", username)
    page.fill("form.login-form input[name=password]", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state("load")
    page.goto(f"{BASE_URL}/work-orders/{order_id}/")
    form = page.locator("form[data-action=sign-off]")
    form.locator("select[name=satisfaction]").select_option("5")
    canvas = form.locator("[data-signature-pad] canvas")
    canvas.scroll_into_view_if_needed()
    draw(page, canvas)
    form.screenshot(path=OUT / f"onsite-sign-off-phone-{lang}.png")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=documents] a[data-kind=service_record]")
    page.locator("#onsite-records").screenshot(path=OUT / f"onsite-records-phone-{lang}.png")
    cookies = phone.cookies()
    phone.close()
    desktop = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale, timezone_id="Asia/Shanghai")
    desktop.add_cookies(cookies)
    page = desktop.new_page()
    page.goto(f"{BASE_URL}/work-orders/{order_id}/")
    page.locator("#onsite-records").screenshot(path=OUT / f"onsite-records-desktop-{lang}.png")
    if lang == "zh":
        href = page.locator("[data-testid=documents] a[data-kind=service_record]").get_attribute("href")
        page.goto(BASE_URL + href.replace("/pdf/", "/print/"))
        page.set_viewport_size({"width": 900, "height": 900})
        page.screenshot(path=OUT / "onsite-service-record.png", full_page=True)
    desktop.close()


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
    take(browser, "en", "en-US", "李娜")
    take(browser, "zh", "zh-CN", "王伟")
    browser.close()
