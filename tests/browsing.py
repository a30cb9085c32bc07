"""What the browser tests share: Debian's Chromium launched through
Playwright (the `browser` fixture of tests/conftest.py uses it)."""

from django.db import connections

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def launched(chromium):
    """Yields a headless Chromium; closes it and the test's extra connections after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
        # With Playwright's loop running, the test's ORM calls opened a
        # connection of their own: close it, or the test database cannot be
        # dropped at the end of the run.
        connections.close_all()
