"""The pages a new user meets (issue 13): after a dispatch the dispatcher is
offered a reassignment (改派), not a second dispatch (item 9)."""

import re

import pytest

from .test_pages_work_orders import HTMX, logged_in, make_order

pytestmark = pytest.mark.django_db


def summaries(html):
    return re.findall(r'<summary class="btn [^"]+">([^<]+)</summary>', html)


@pytest.mark.parametrize("language,dispatch,reassign", [("en", "Dispatch", "Reassign"), ("zh-hans", "派工", "改派")])
def test_after_dispatch_the_action_reads_reassign(
    client, agent, dispatcher, tech1, tech2, language, dispatch, reassign
):
    order = make_order(agent)
    client = logged_in(client, dispatcher)
    before = client.get(f"/work-orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert dispatch in summaries(before) and reassign not in summaries(before)
    r = client.post(
        f"/work-orders/{order.pk}/actions/dispatch/", {"technician": tech1.pk}, HTTP_ACCEPT_LANGUAGE=language, **HTMX
    )
    assert r.status_code == 200
    after = client.get(f"/work-orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert reassign in summaries(after) and dispatch not in summaries(after)
    # The reassignment is the same action: to another technician.
    r = client.post(f"/work-orders/{order.pk}/actions/dispatch/", {"technician": tech2.pk}, **HTMX)
    assert r.status_code == 200
    order.refresh_from_db()
    assert order.technician_id == tech2.pk


# --- item 13: the stock page names only the technician's own orders ---------------


def test_the_stock_page_shows_a_technician_only_their_own_order_numbers(client, agent, dispatcher):
    from servicedesk.accounts.models import Unit
    from tests.factories import TechnicianFactory, UnitFactory, UserFactory
    from tests.test_billing_support import make_order as billing_order
    from tests.test_billing_support import on_site

    station = UnitFactory(name="朝阳服务站", kind=Unit.Kind.STATION)
    techs = []
    for username in ("tech-mine", "tech-colleague"):
        tech = TechnicianFactory(user=UserFactory(username=username, roles=["technician"]))
        tech.station = station
        tech.save()
        techs.append(tech)
    mine, colleague = techs
    client.force_login(dispatcher)
    client.post("/stock/move/", {"unit": station.pk, "part_code": "P-IGN", "kind": "receipt", "quantity": "2"})
    orders = {}
    for tech in techs:
        order = on_site(billing_order(agent), dispatcher=dispatcher, tech=tech)
        orders[tech.pk] = order.number
        client.force_login(tech.user)
        r = client.post("/stock/move/", {"unit": station.pk, "part_code": "P-IGN", "kind": "consumption",
                                         "quantity": "1", "work_order": order.number})
        assert r.status_code == 302
    client.force_login(mine.user)
    page = client.get(f"/stock/?unit={station.pk}").content.decode()
    assert orders[mine.pk] in page and orders[colleague.pk] not in page
    client.force_login(dispatcher)  # who sees every order sees every number
    page = client.get(f"/stock/?unit={station.pk}").content.decode()
    assert orders[mine.pk] in page and orders[colleague.pk] in page
