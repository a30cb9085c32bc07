"""The pages a new user meets (issue 13): after a dispatch the dispatcher is
offered a reassignment (改派), not a second dispatch (item 9)."""

import re

import pytest

from .test_pages_work_orders import HTMX, logged_in, make_order

pytestmark = pytest.mark.django_db


def summaries(html):
    return re.findall(r'<summary class="btn [^"]+">([^<]+)</summary>', html)


@pytest.mark.parametrize("language,dispatch,reassign", [("en", "Dispatch", "Reassign"), ("zh-hans", "派工", "改派")])
def test_after_dispatch_the_action_reads_reassign(client, agent, dispatcher, tech1, tech2, language, dispatch, reassign):
    order = make_order(agent)
    client = logged_in(client, dispatcher)
    before = client.get(f"/work-orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert dispatch in summaries(before) and reassign not in summaries(before)
    r = client.post(f"/work-orders/{order.pk}/actions/dispatch/", {"technician": tech1.pk}, HTTP_ACCEPT_LANGUAGE=language,
                    **HTMX)
    assert r.status_code == 200
    after = client.get(f"/work-orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert reassign in summaries(after) and dispatch not in summaries(after)
    # The reassignment is the same action: to another technician.
    r = client.post(f"/work-orders/{order.pk}/actions/dispatch/", {"technician": tech2.pk}, **HTMX)
    assert r.status_code == 200
    order.refresh_from_db()
    assert order.technician_id == tech2.pk
