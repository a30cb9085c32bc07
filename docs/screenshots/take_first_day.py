"""Takes the first-day screenshots (issue 13): where each role lands, with the
menu that wraps on a wide screen and folds on a phone, in English and
Chinese, from a running servicedesk with the demo data:

    BASE_URL=http://127.0.0.1:8000 .venv/bin/python docs/screenshots/take_first_day.py

Chinese needs a CJK font on the machine (apt-get install fonts-noto-cjk)."""

import os
import pathlib

from playwright.sync_api import sync_playwright

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-servicedesk")
OUT = pathlib.Path(__file__).resolve().parent
WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# name, user, language, viewport, unfold the phone menu
SHOTS = [
    ("landing-admin-en-1440", "admin", "en", WIDE, False),
    ("landing-supervisor-en-1440", "supervisor", "en", WIDE, False),
    ("landing-dispatcher-en-1440", "dispatcher", "en", WIDE, False),
    ("landing-logistics-en-1440", "logistics", "en", WIDE, False),
    ("zh-landing-supervisor-1440", "supervisor", "zh-hans", WIDE, False),
    ("zh-landing-dispatcher-1440", "dispatcher", "zh-hans", WIDE, False),
    ("landing-supervisor-en-phone-menu", "supervisor", "en", PHONE, True),
    ("zh-landing-tech1-phone", "tech1", "zh-hans", PHONE, False),
]


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        for name, username, language, viewport, unfold in SHOTS:
            context = browser.new_context(
                viewport=viewport, extra_http_headers={"Accept-Language": language}, timezone_id="Asia/Shanghai",
                is_mobile=viewport is PHONE, has_touch=viewport is PHONE,
                device_scale_factor=2 if viewport is PHONE else 1,
            )
            page = context.new_page()
            page.goto(f"{BASE_URL}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("form.login-form button[type=submit]")
            page.wait_for_load_state("load")
            page.wait_for_timeout(600)
            if unfold:
                page.click(".nav-toggle")
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
