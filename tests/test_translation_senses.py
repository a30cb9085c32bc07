"""One English word, two senses, two Chinese words: where an app's catalogue
had translated a word in its own sense but the root catalogue, which wins,
gave the other one, the app's use carries a message context (django.po of
calls/ and billing/). Pages rendered through the test client in zh-hans with
every committed catalogue compiled, in the order of LOCALE_PATHS."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from aftercare.models import LowScoreFollowUp
from tests.test_billing_support import ago, fee_schedule, make_order, on_site

from .conftest import skip_or_fail
from .test_translations import ALL_POS, ROOT

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def compiled_catalogues(tmp_path):
    if not shutil.which("msgfmt"):
        skip_or_fail("needs msgfmt (apt-get install gettext)")
    paths = []
    for po in ALL_POS:  # the root catalogue first, as in settings.LOCALE_PATHS
        target = tmp_path / po.relative_to(ROOT).parent
        target.mkdir(parents=True)
        subprocess.run(["msgfmt", "-o", str(target / "django.mo"), str(po)], check=True)
        paths.append(str(tmp_path / po.relative_to(ROOT).parents[2]))
    assert [p.removeprefix(str(tmp_path)) for p in paths] == [
        str(p).removeprefix(str(ROOT)) for p in settings.LOCALE_PATHS]
    with override_settings(LOCALE_PATHS=paths):
        yield


def button_texts(html):
    return [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)]


def test_the_consoles_open_button_opens_and_an_open_deadline_stays_in_progress(client, agent, compiled_catalogues):
    client.force_login(agent)
    page = client.get("/console/", **ZH).content.decode()
    assert "登记并打开" in button_texts(page)  # the manual contact: recorded and its file opened
    assert "进行中" not in button_texts(page)
    with translation.override("zh-hans"):
        # the state: a deadline still running (complaint print), a follow-up not yet done
        assert Template('{% load i18n %}{% translate "Open" %}').render(Context()) == "进行中"
        assert str(LowScoreFollowUp.State.OPEN.label) == "进行中"
    english = client.get("/console/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Open" in button_texts(english)


def test_the_charges_page_charges_and_shows_the_amount_due(client, agent, dispatcher, tech1, compiled_catalogues):
    fee_schedule()
    order = on_site(make_order(agent, purchase_date=ago(900), proof="FP-1"), dispatcher=dispatcher, tech=tech1)
    client.force_login(tech1.user)
    url = f"/billing/work-orders/{order.pk}/"
    assert client.post(f"{url}quote/", {"qty_L-GWH-REPAIR": "1"}).status_code == 302
    assert client.post(f"{url}accept/", {"confirm": "on", "accepted_by": "王伟"}).status_code == 302

    page = client.get(url, **ZH).content.decode()
    assert "收费" in button_texts(page)  # the action, not the root catalogue's 收费状态 (the quote's state)
    assert "收费状态" not in button_texts(page)
    assert re.search(r"<th>\s*编码\s*</th>", page)  # a fee item's code

    assert client.post(f"{url}charge/").status_code == 302
    page = client.get(url, **ZH).content.decode()
    assert re.search(r"<th colspan=\"4\">应收金额</th><th class=\"nowrap\" data-testid=\"quote-due\">", page)
    with translation.override("zh-hans"):
        # a deadline's due time keeps its word
        assert Template('{% load i18n %}{% translate "Due" %}').render(Context()) == "到期"


def test_a_factory_return_is_filed_as_submitted_and_a_complaint_as_registered(compiled_catalogues):
    from complaints.views.common import ACTION_LABELS as COMPLAINT_LABELS
    from returns.views.factory import FACTORY_LABELS

    with translation.override("zh-hans"):
        # the application's button says 提交申请; a complaint is 登记 (registered), as its button 登记投诉
        assert (str(FACTORY_LABELS["create"]), str(COMPLAINT_LABELS["create"])) == ("已提交", "已登记")
    with translation.override("en"):
        assert str(FACTORY_LABELS["create"]) == str(COMPLAINT_LABELS["create"]) == "Filed"


def test_a_return_on_the_dashboard_is_a_customers_return_not_a_factory_return(compiled_catalogues):
    from servicedesk.core.labels import SUBJECTS

    with translation.override("zh-hans"):
        # the Returns menu's 退换货 (a customer's return, returns.ReturnRequest), the Factory returns' 返厂
        assert (str(SUBJECTS["returnrequest"]), str(SUBJECTS["factoryreturn"])) == ("退换货", "返厂单")
