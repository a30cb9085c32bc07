"""Takes the complaint screenshots in this folder from a running servicedesk
with the demo data (DEBUG=1 manage.py seed_demo), in Debian's Chromium:

    BASE_URL=http://127.0.0.1:8000 .venv/bin/python docs/screenshots/take_complaints.py

Chinese demo data needs a CJK font on the machine (apt-get install fonts-noto-cjk)."""

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


def log_in(page, username):
    page.goto(f"{BASE_URL}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state("load")  # a landing page may poll (the console): never "networkidle"


def first_link(browser, username, path):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    log_in(page, username)
    page.goto(BASE_URL + path)
    href = page.locator("a.order-link").first.get_attribute("href")
    context.close()
    return href


def shoot(browser, name, username, path, viewport, *, full_page=True, mobile=False, print_media=False):
    context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="Asia/Shanghai",
                                  device_scale_factor=2 if mobile else 1, is_mobile=mobile, has_touch=mobile)
    page = context.new_page()
    log_in(page, username)
    if print_media:
        page.emulate_media(media="print")
    page.goto(BASE_URL + path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    context.close()


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        # A sheet waiting to be closed (result, return visit, a finding, the close form) and a disputed one.
        to_close = first_link(browser, "agent", "/complaints/?state=return_visited")
        disputed = first_link(browser, "handler", "/complaints/?state=disputed")
        closed3 = first_link(browser, "agent", "/complaints/?state=closed&complaint_class=3")
        shoot(browser, "complaint-task-sheet-desktop", "agent", to_close, DESKTOP)
        shoot(browser, "complaint-reply-desktop", "handler", disputed, DESKTOP, full_page=False)
        shoot(browser, "complaint-task-sheet-phone", "agent", to_close, PHONE, mobile=True, full_page=False)
        shoot(browser, "complaint-print", "agent", closed3 + "print/", {"width": 900, "height": 1200}, print_media=True)
        shoot(browser, "complaint-queue-desktop", "handler", "/complaints/queue/", DESKTOP, full_page=False)
        shoot(browser, "complaint-list-desktop", "supervisor", "/complaints/", DESKTOP, full_page=False)
        shoot(browser, "complaint-overview-desktop", "supervisor", "/complaints/overview/", DESKTOP)
        shoot(browser, "complaint-new-desktop", "agent", "/complaints/new/", DESKTOP, full_page=False)
        browser.close()


if __name__ == "__main__":
    main()
