"""The scorecard's compliance with the standards (seeds/004 规范执行) from the
checklists the technician recorded on site (seeds/001; onsite registers into
measures.compliance), read on the scorecard page as a supervisor sees it."""

import pytest
from django.utils import timezone

from tests.test_onsite_checklist import PASSING, on_site, post, record

pytestmark = [pytest.mark.django_db, pytest.mark.checklists]


def test_the_items_recorded_on_the_resolved_orders_are_the_compliance(agent, dispatcher, tech1, category, client,
                                                                      supervisor):
    oid, t = on_site(agent, dispatcher, tech1, category)
    items = t.get(f"/api/v1/work-orders/{oid}/checklist/").json()["items"]
    # The required ones, and two of the optional confirmations ("12345": the certificate; "five ones": shoe covers).
    assert record(t, oid, **PASSING, show_certificate=True, shoe_covers=True).status_code in (200, 201)
    assert post(t, f"/api/v1/work-orders/{oid}/resolve/", {"resolution": "更换点火针"}).status_code == 200

    client.force_login(supervisor)
    page = client.get(f"/measures/scorecards/{tech1.pk}/", {"month": timezone.localdate().strftime("%Y-%m")})
    assert page.status_code == 200
    html = page.content.decode()
    shown = f"{len(PASSING) + 2}/{len(items)}"
    assert len(items) > len(PASSING) + 2 and shown in html.split("Compliance with the standards", 1)[1][:600]
