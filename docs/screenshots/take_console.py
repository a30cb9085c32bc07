"""Takes the console, wallboard and dispatch-queue screenshots in this folder
(console.png, zh-console.png, wallboard.png, zh-wallboard.png,
dispatch-queue.png) from a running servicedesk with the demo data
(DEBUG=1 manage.py seed_demo), in Debian's Chromium:

    BASE_URL=http://127.0.0.1:8000 .venv/bin/python docs/screenshots/take_console.py

It plays the telephone switch through the API (the demo `telephony` user):
a ring for a demo customer who has a product and an open order, offered to
`agent`, then the answer; the agent picks the emergency kind and the
caller's product and asks for the read-back, which is what the screenshot
shows; nothing is filed (the call is hung up afterwards). Chinese needs a
CJK font (apt-get install fonts-noto-cjk) and compiled .mo files."""

import datetime
import json
import os
import pathlib
import urllib.request

from playwright.sync_api import sync_playwright

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-servicedesk")
OUT = pathlib.Path(__file__).resolve().parent
DESKTOP = {"width": 1366, "height": 900}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def api(path, body=None, token=None):
    request = urllib.request.Request(
        BASE_URL + path, data=json.dumps(body).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read() or b"{}")


def token_of(username):
    return api("/api/v1/auth/token/", {"username": username, "password": PASSWORD})["token"]


def now():
    return datetime.datetime.now(datetime.UTC).isoformat()


def context_for(browser, username, lang):
    headers = {"Accept-Language": "zh-hans" if lang == "zh" else "en"}
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN" if lang == "zh" else "en-US",
                                  timezone_id="Asia/Shanghai", extra_http_headers=headers)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{BASE_URL}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state("load")
    return context, page


def a_caller(agent_token):
    """A demo customer with a product and an open work order."""
    orders = api("/api/v1/work-orders/?state=received&state=scheduled&state=accepted", token=agent_token)
    for order in orders["results"]:
        if order.get("product") and order["customer"].get("phone"):
            return order["customer"]["phone"]
    return orders["results"][0]["customer"]["phone"]


def free_the_agent(agent_token):
    """The demo leaves `agent` on a call: end it, so the ring pops."""
    for call in api("/api/v1/calls/?state=answered&agent=agent", token=agent_token)["results"]:
        api(f"/api/v1/calls/{call['call_id']}/end/", {"note": "screenshot"}, token=agent_token)


def console_shot(browser, switch, agent_token, phone, lang):
    prefix = "zh-" if lang == "zh" else ""
    free_the_agent(agent_token)
    context, page = context_for(browser, "agent", lang)
    page.goto(f"{BASE_URL}/console/")
    call_id = f"screenshot-{lang}-{datetime.datetime.now():%H%M%S}"
    api("/api/v1/calls/events/", {"call_id": call_id, "event": "ring", "at": now(), "caller": phone,
                                  "agent": "agent"}, token=switch)
    page.wait_for_selector("#workspace[data-call] [data-testid=caller-file]")
    page.wait_for_function(f"document.querySelector('.caller-number').textContent.includes('{phone}')")
    api("/api/v1/calls/events/", {"call_id": call_id, "event": "answer", "at": now(), "agent": "agent"},
        token=switch)
    page.wait_for_selector("[data-testid=call-state].call-state-answered")
    panel = page.locator("[data-panel=work-order]")
    panel.locator("select[name=wo-kind]").select_option("emergency")
    products = panel.locator("select[name=wo-existing_product] option")
    if products.count() > 1:
        panel.locator("select[name=wo-existing_product]").select_option(index=1)
    panel.locator("textarea[name=wo-description]").fill(
        "热水器附近有燃气味，怀疑漏气" if lang == "zh" else "Smell of gas near the water heater")
    panel.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=readback]")
    page.screenshot(path=str(OUT / f"{prefix}console.png"), full_page=True)
    api("/api/v1/calls/events/", {"call_id": call_id, "event": "hangup", "at": now()}, token=switch)
    context.close()
    assert page.is_closed()


def main():
    switch, agent = token_of("telephony"), token_of("agent")
    phone = a_caller(agent)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        for lang in ("en", "zh"):
            console_shot(browser, switch, agent, phone, lang)
            context, page = context_for(browser, "supervisor", lang)
            page.goto(f"{BASE_URL}/wallboard/")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / f"{'zh-' if lang == 'zh' else ''}wallboard.png"), full_page=True)
            context.close()
        context, page = context_for(browser, "dispatcher", "en")
        page.goto(f"{BASE_URL}/dispatch-queue/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / "dispatch-queue.png"), full_page=False)
        context.close()
        browser.close()


if __name__ == "__main__":
    main()
