"""The page frame in a real browser (Debian's Chromium through Playwright):
a supervisor's English menu, grouped, takes at most two lines at 1440 px and
every entry in it is reachable (its group opened) at 1440 and at 390 px; a
factory return's items table scrolls inside its card on a phone instead of
widening the page."""

import pytest
from django.test import Client

from returns.models import FactoryReturn
from tests.factories import PASSWORD
from tests.test_factory_returns_api import clock, org  # noqa: F401 - fixtures, used as arguments

from .test_browser_work_orders import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MENU = """() => {
  const nav = document.querySelector(".mainnav");
  const first = nav.querySelector(":scope > a, :scope > .navgroup > summary");
  return {nav: nav.getBoundingClientRect().height, item: first.getBoundingClientRect().height,
          gap: parseFloat(getComputedStyle(nav).rowGap) || 0,
          links: [...nav.querySelectorAll("a")].map(a => a.getAttribute("href")),
          groups: nav.querySelectorAll(".navgroup").length};
}"""

IN_SIGHT = """(a) => { const r = a.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth; }"""


def reachable(page, href):
    """Opens the link's group if it is in one; answers whether the link is then in sight."""
    link = page.locator(f".mainnav a[href='{href}']")
    group = page.locator(f".mainnav .navgroup:not([open]):has(a[href='{href}']) > summary")
    if group.count():
        group.click()
    return link.is_visible() and link.evaluate(IN_SIGHT)


def test_the_supervisors_english_menu_fits_two_lines_at_1440_and_every_entry_is_reachable(
        browser, live_server, supervisor):
    for width, height in ((1440, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      extra_http_headers={"Accept-Language": "en"})
        page = context.new_page()
        log_in(page, live_server.url, "supervisor", PASSWORD)
        menu = page.evaluate(MENU)
        assert menu["groups"] >= 4 and len(menu["links"]) >= 15, menu
        if width == 1440:
            assert menu["nav"] <= 2 * menu["item"] + menu["gap"] + 1, menu  # two lines at most
        else:
            page.click(".nav-toggle")
        unreachable = [href for href in menu["links"] if not reachable(page, href)]
        assert unreachable == [], (width, unreachable)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # one group open at a time; the last entry's link leads to its page
        assert page.locator(".navgroup[open]").count() <= 1
        page.click(f".mainnav a[href='{menu['links'][-1]}']")
        page.wait_for_load_state("load")
        assert page.url == live_server.url + menu["links"][-1]
        context.close()


def test_a_factory_returns_items_scroll_inside_their_card_on_a_phone(browser, live_server, org, clock):  # noqa: F811
    clerk = org["clerk"]
    clerk.set_password(PASSWORD)
    clerk.save(update_fields=["password"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    log_in(page, live_server.url, clerk.username, PASSWORD)
    filer = Client()  # filed as tests/test_factory_returns_pages.py does; the browser reads it
    filer.force_login(clerk)
    r = filer.post("/factory-returns/new/", {
        "office": org["bj"].pk, "month": "2026-12", "note": "十二月返厂",
        "description_0": "节能灯 11W 暖白光", "model_0": "E27-11W", "quantity_0": "120", "reason_0": "不亮",
        "description_1": "吸顶灯镇流器", "model_1": "ZL-32", "quantity_1": "15", "reason_1": "镇流器烧毁"})
    assert r.status_code == 302, r.content[:500]
    factory_return = FactoryReturn.objects.get()
    page.goto(f"{live_server.url}/factory-returns/{factory_return.pk}/")

    sizes = page.evaluate("""() => { const table = document.querySelector("table.lines");
      const wrap = table.closest(".table-wrap");
      return {page: document.documentElement.scrollWidth, table: table.scrollWidth, wrap: wrap.clientWidth,
              card: wrap.closest(".card").getBoundingClientRect().right,
              scrolls: getComputedStyle(wrap).overflowX}; }""")
    assert sizes["page"] <= 390, sizes
    assert sizes["card"] <= 390 and sizes["scrolls"] == "auto", sizes
    # the last column (the decision) is reached by scrolling the table, not cut off
    page.locator(".table-wrap").evaluate("wrap => wrap.scrollLeft = wrap.scrollWidth")
    assert page.locator("table.lines th").last.evaluate(IN_SIGHT)
    context.close()
