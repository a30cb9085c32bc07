"""Takes the screenshots in this folder from a running servicedesk with the
demo data (DEBUG=1 manage.py seed_demo), in Debian's Chromium:

    BASE_URL=http://127.0.0.1:8000 .venv/bin/python docs/screenshots/take.py

Chinese demo data needs a CJK font on the machine (apt-get install fonts-noto-cjk)."""

import os
import pathlib
import re

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
    page.wait_for_load_state("load")


def shoot(browser, name, username, path, viewport, *, full_page=True, mobile=False):
    context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="Asia/Shanghai",
                                  device_scale_factor=2 if mobile else 1, is_mobile=mobile, has_touch=mobile)
    page = context.new_page()
    log_in(page, username)
    page.goto(BASE_URL + path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    context.close()


def an_order_with_history(browser):
    """One of tech1's taken-back orders (customer, product, three deadlines, a
    long history, an action to take) and an overdue order waiting for dispatch."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    log_in(page, "tech1")
    page.goto(f"{BASE_URL}/work-orders/?state=taken_back")
    href = page.locator("a.order-link").first.get_attribute("href")
    context.close()
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    log_in(page, "dispatcher")
    page.goto(f"{BASE_URL}/work-orders/?state=received&overdue=true")
    received = page.locator("a.order-link").first.get_attribute("href")
    context.close()
    return href, received


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        detail, received = an_order_with_history(browser)
        assert re.fullmatch(r"/work-orders/\d+/", detail), detail
        shoot(browser, "work-order-list", "dispatcher", "/work-orders/", DESKTOP, full_page=False)
        shoot(browser, "work-order-detail", "tech1", detail, DESKTOP)
        shoot(browser, "work-order-dispatch", "dispatcher", received, DESKTOP, full_page=False)
        shoot(browser, "work-order-list-phone", "dispatcher", "/work-orders/?overdue=true", PHONE, full_page=False,
              mobile=True)
        shoot(browser, "work-order-detail-phone", "tech1", detail, PHONE, mobile=True)
        shoot(browser, "my-jobs-phone", "tech1", "/my-jobs/", PHONE, full_page=False, mobile=True)
        browser.close()


if __name__ == "__main__":
    main()
