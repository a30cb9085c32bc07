"""Every role's first page in a real browser (Debian's Chromium driven by
Playwright; issue 13, "Done when"): each demo user logs in and lands on its
work, in Chinese and in English, at 1440 px and at 390 px, and the page has
no horizontal overflow (every menu entry in sight, the phone menu unfolded),
no raw code, and no string left in English in the Chinese pages.

SCREENSHOTS=<folder> keeps a picture of each landing page."""

import os
import pathlib
import re

import pytest
from django.core.management import call_command
from django.utils import translation

from servicedesk.accounts.models import Partner, Unit, User
from servicedesk.customers.models import ProductCategory

from .test_browser_work_orders import log_in
from .test_translations import ALL_POS, messages, parse_po

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "first-day-4711"
LANDING = {
    "agent": "/console/", "dispatcher": "/dispatch/board/", "tech1": "/my-jobs/", "supervisor": "/dashboard/",
    "manager": "/dashboard/", "officemgr": "/dashboard/", "handler": "/complaints/queue/",
    "hr": "/complaints/findings/", "partner": "/work-orders/", "logistics": "/factory-returns/",
    "admin": "/work-orders/", "telephony": "/api/docs/",
}
WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = ["zh-hans", "en"]
# Codes people must never read: deadline kinds, states and choices in their stored spelling.
RAW_CODE = re.compile(r"(?<![\w/.-])(?:answer|arrive|respond|callback|follow_up|return_visit|batch_visit|"
                      r"[a-z]+_[a-z_]+)(?![\w/.-])")
# Words that read the same in both: the language switch's own name, keys, the API.
SAME_IN_BOTH = {"English", "API", "Enter", "Ctrl", "Esc", "Tab", "Shift"}
# The pages of the product; the API reference (Swagger UI) is English by design and only checked for fit.
OWN_PAGES = set(LANDING.values()) - {"/api/docs/"}


@pytest.fixture
def demo(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    # In the product's default language, as bin/run loads it. (Some stored texts, such as an
    # entitlement's reason, keep the language they were written in.)
    with translation.override("zh-hans"):
        call_command("seed_demo", orders=30, complaints=8, verbosity=0)


def english_messages():
    """Every English message of the project's catalogues with a letter word in it."""
    found = set()
    for po in ALL_POS:
        for entry in messages(parse_po(po.read_text(encoding="utf-8"))):
            if re.search(r"[A-Za-z]{3,}", entry["id"]) and "%" not in entry["id"] and "{" not in entry["id"]:
                found.add(entry["id"])
    return found


def data_names():
    """What the demo data calls people and things (names in Latin letters are data, not untranslated text)."""
    names = {u.display_name for u in User.objects.all()} | set(User.objects.values_list("username", flat=True))
    names |= set(Unit.objects.values_list("name", flat=True)) | set(Partner.objects.values_list("name", flat=True))
    names |= set(ProductCategory.objects.values_list("name", flat=True))
    return {name for name in names if re.search(r"[A-Za-z]", name)}


TEXT_NODES = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest("script,style,template,[hidden],[aria-hidden=true]")) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll("[placeholder],[title],[aria-label]")) {
    for (const a of ["placeholder", "title", "aria-label"]) if (el.getAttribute(a)) out.push(el.getAttribute(a).trim());
  }
  return out;
}"""

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width + 1) out.push("page " + document.documentElement.scrollWidth);
  for (const a of document.querySelectorAll(".mainnav a, .topbar-tools > *")) {
    const r = a.getBoundingClientRect();
    if (getComputedStyle(a).display === "none") continue;  // the name, hidden on a phone on purpose
    if (r.width === 0 || r.right > width + 1 || r.left < -1)
      out.push((a.textContent || a.className).trim() + " " + r.right);
  }
  return out;
}"""


def problems_on(page, path, language, english, names):
    found = []
    wide = page.viewport_size["width"] >= 860
    if wide and page.locator(".nav-toggle").is_visible():
        found.append("the phone's Menu button on a wide screen")
    if not wide and page.locator(".nav-toggle").is_visible():
        page.click(".nav-toggle")  # the phone menu: every entry must fit once unfolded
    found += [f"overflow: {item}" for item in page.evaluate(OVERFLOW)]
    if path not in OWN_PAGES:
        return found
    for text in page.evaluate(TEXT_NODES):
        if any(name in text for name in names):
            continue
        for code in RAW_CODE.findall(text):
            found.append(f"raw code {code!r} in {text!r}")
        if language == "zh-hans" and text not in SAME_IN_BOTH and (
                text in english or re.fullmatch(r"[A-Za-z][A-Za-z ,.:;!?()'’-]*[a-z]{3,}[.!?]?", text)):
            found.append(f"English in the Chinese page: {text!r}")
    return found


def test_every_role_lands_on_its_work_in_both_languages_at_1440_and_390(browser, live_server, demo):
    english, names = english_messages(), data_names()
    shots = os.environ.get("SCREENSHOTS")
    problems = {}
    for username, path in LANDING.items():
        for language in LANGUAGES:
            for size, viewport in WIDTHS.items():
                context = browser.new_context(viewport=viewport, extra_http_headers={"Accept-Language": language},
                                              timezone_id="Asia/Shanghai")
                page = context.new_page()
                log_in(page, live_server.url, username, PASSWORD)
                page.wait_for_timeout(400)  # htmx fragments settle; the console polls, so never "networkidle"
                assert page.url == f"{live_server.url}{path}", (username, page.url)
                found = problems_on(page, path, language, english, names)
                if found:
                    problems[(username, language, size)] = found
                if shots:
                    pathlib.Path(shots).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=f"{shots}/{username}-{language}-{size}.png", full_page=False)
                context.close()
    assert problems == {}, "\n".join(f"{key}: {found}" for key, found in problems.items())
