"""Takes the Simplified Chinese screenshots in this folder (zh-*.png) from a
running servicedesk with the demo data (DEBUG=1 manage.py seed_demo), in
Debian's Chromium, with the browser asking for zh-hans:

    BASE_URL=http://127.0.0.1:8000 .venv/bin/python docs/screenshots/take_zh.py

The .mo must be compiled (bin/run and bin/test do it; by hand: manage.py
compilemessages --ignore=.venv), and Chinese needs a CJK font on the machine
(apt-get install fonts-noto-cjk)."""

import os
import pathlib

from playwright.sync_api import sync_playwright

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-servicedesk")
OUT = pathlib.Path(__file__).resolve().parent
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def context_for(browser, username, *, mobile=False):
    context = browser.new_context(viewport=PHONE if mobile else DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  extra_http_headers={"Accept-Language": "zh-hans"},
                                  device_scale_factor=2 if mobile else 1, is_mobile=mobile, has_touch=mobile)
    page = context.new_page()
    page.goto(f"{BASE_URL}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state("load")
    return context, page


def shot(page, name, path=None, *, full_page=True):
    if path:
        page.goto(BASE_URL + path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"zh-{name}.png"), full_page=full_page)


def first_link(page, path):
    page.goto(BASE_URL + path)
    return page.locator("a.order-link").first.get_attribute("href")


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)

        context, page = context_for(browser, "agent")
        shot(page, "work-order-list", "/work-orders/", full_page=False)
        shot(page, "work-order-detail", first_link(page, "/work-orders/?state=signed_off"))
        shot(page, "complaint-list", "/complaints/", full_page=False)
        shot(page, "complaint-new", "/complaints/new/")
        context.close()

        context, page = context_for(browser, "supervisor")
        shot(page, "dashboard", "/dashboard/")
        closed = first_link(page, "/complaints/?state=closed")
        shot(page, "complaint-task-sheet", closed)
        shot(page, "complaint-print", closed + "print/")
        shot(page, "complaint-overview", "/complaints/overview/")
        context.close()

        context, page = context_for(browser, "handler")  # lands on the unit queue
        shot(page, "complaint-queue", full_page=False)
        shot(page, "complaint-reply", first_link(page, "/complaints/queue/"))
        context.close()

        context, page = context_for(browser, "tech1", mobile=True)  # lands on my jobs
        shot(page, "my-jobs-phone", full_page=False)
        context.close()

        browser.close()


if __name__ == "__main__":
    main()
