"""The measures page in a real browser (Chromium by Playwright): the charts
are drawn (ECharts canvases, from the json_script data: the CSP allows no
inline script), a card's number opens the list behind it, and that list
holds the order the number counted. Screenshots for docs/measures.md,
desktop and phone, English and Chinese."""

import datetime
import pathlib

import pytest
from django.utils import timezone

from complaints.services import complaint_create
from tests.factories import CustomerFactory, TechnicianFactory, UserFactory
from tests.signing import SIGNED
from tickets import services as wo

from .test_browser_work_orders import expect, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = pathlib.Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _late_order(dispatcher, supervisor, tech, days_ago):
    """Reported `days_ago` days ago, on site now: its respond deadline met late."""
    reported = timezone.now() - datetime.timedelta(days=days_ago)
    order, _ = wo.work_order_create(by=dispatcher, kind="repair", customer=CustomerFactory(), description="不出热水",
                                    reported_at=reported)
    wo.work_order_dispatch(order_id=order.pk, technician=tech, by=dispatcher)
    wo.work_order_accept(order_id=order.pk, by=tech.user)
    wo.work_order_check_in(order_id=order.pk, by=tech.user)
    wo.work_order_resolve(order_id=order.pk, by=tech.user, resolution="更换温控器")
    wo.work_order_sign_off(order_id=order.pk, by=supervisor, signed_by="李先生", satisfaction=4, extra=SIGNED)
    return order


def test_measures_page_draws_the_charts_and_a_number_opens_its_list(
    browser, live_server, dispatcher, supervisor, agent, category, password
):
    tech = TechnicianFactory(user=UserFactory(username="tech-b", roles=["technician"]), categories=[category.slug])
    late = _late_order(dispatcher, supervisor, tech, days_ago=3)
    overdue, _ = wo.work_order_create(by=dispatcher, kind="repair", customer=CustomerFactory(), description="漏水",
                                      reported_at=timezone.now() - datetime.timedelta(hours=30))
    complaint_create(by=agent, customer=late.customer, category="quality", description="又坏了",
                     received_at=timezone.now() - datetime.timedelta(days=2))
    today = timezone.localdate()
    period = f"period=custom&from={today - datetime.timedelta(days=6)}&to={today}"
    base = live_server.url
    for lang, locale in (("en", "en-US"), ("zh-hans", "zh-CN")):
        for width, height, name in ((1440, 1100, "desktop"), (390, 844, "phone")):
            context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                          timezone_id="Asia/Shanghai")
            context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
            page = context.new_page()
            page.set_default_timeout(20000)
            log_in(page, base, "supervisor", password)
            page.goto(f"{base}/measures/?{period}")
            for chart in ("chart-trend", "chart-complaints", "chart-satisfaction"):
                expect(page.locator(f"#{chart} canvas").first).to_be_visible()
            card = page.locator("#measure-respond_within_24h")
            expect(card.locator(".den-link")).to_have_text("2")
            expect(card.locator(".num-link")).to_have_text("0")
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / f"measures-{name}-{lang[:2]}.png"), full_page=name == "desktop")
            if name == "desktop" and lang == "en":
                card.locator(".den-link").click()
                page.wait_for_url("**/measures/list/**")
                expect(page.locator("#drilldown")).to_contain_text(late.number)
                expect(page.locator("#drilldown")).to_contain_text(overdue.number)
                expect(page.locator("#export-csv")).to_be_visible()
                page.screenshot(path=str(SHOTS / "measures-list-desktop-en.png"))
                # The complaints' bar and its row open the complaints behind them.
                page.goto(f"{base}/measures/?{period}")
                page.locator("#complaint-table a").first.click()
                page.wait_for_url("**/measures/list/**")
                expect(page.locator("#drilldown")).to_contain_text("1")
            context.close()


def test_monthly_report_downloads_and_a_scorecard_entry(
    browser, live_server, dispatcher, supervisor, category, password
):
    tech = TechnicianFactory(user=UserFactory(username="tech-r", first_name="赵", last_name="师傅",
                                              roles=["technician"]), categories=[category.slug])
    _late_order(dispatcher, supervisor, tech, days_ago=2)
    month = timezone.localdate().strftime("%Y-%m")
    base = live_server.url
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    page = context.new_page()
    page.set_default_timeout(20000)
    log_in(page, base, "supervisor", password)
    page.goto(f"{base}/reports/monthly/?month={month}")
    expect(page.locator("#report-measures")).to_contain_text("24小时响应率")
    page.screenshot(path=str(SHOTS / "measures-monthly-desktop-zh.png"), full_page=True)
    for link, suffix, magic in (("#report-xlsx", ".xlsx", b"PK"), ("#report-pdf", ".pdf", b"%PDF")):
        with page.expect_download() as download:
            page.click(link)
        path = download.value.path()
        assert download.value.suggested_filename.endswith(suffix)
        assert pathlib.Path(path).read_bytes()[:len(magic)] == magic
    page.goto(f"{base}/measures/scorecards/?month={month}")
    page.locator(f"a[href^='/measures/scorecards/{tech.pk}/']").click()
    expect(page.locator("#criteria")).to_be_visible()
    page.select_option("#entry-form select[name=kind]", "reward")
    page.fill("#entry-form input[name=amount]", "100")
    page.fill("#entry-form textarea[name=reason]", "客户来信表扬")
    page.click("#entry-form button[type=submit]")
    expect(page.locator("#entries")).to_contain_text("客户来信表扬")
    page.screenshot(path=str(SHOTS / "measures-scorecard-desktop-zh.png"), full_page=True)
    context.close()


def test_eight_d_form_saved_and_printed(browser, live_server, agent, supervisor, password):
    complaint, _ = complaint_create(by=agent, customer=CustomerFactory(), category="quality", media=True,
                                    description="燃气灶面板炸裂，已上电视")
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    page = context.new_page()
    page.set_default_timeout(20000)
    log_in(page, base, "supervisor", password)
    page.goto(f"{base}/complaints/{complaint.pk}/")
    page.click("#open-8d")
    page.fill("#eight-d-form textarea[name=d2_problem]", "面板批次 G7 钢化不良")
    page.fill("#eight-d-form textarea[name=d4_root_cause]", "供应商钢化炉温度漂移")
    page.click("#eight-d-form button[type=submit]")
    expect(page.locator("#updated")).to_be_visible()
    page.screenshot(path=str(SHOTS / "measures-8d-phone-zh.png"), full_page=True)
    with context.expect_page() as printed:
        page.click("#print-8d")
    sheet = printed.value
    expect(sheet.locator("#print-d4_root_cause")).to_have_text("供应商钢化炉温度漂移")
    context.close()
