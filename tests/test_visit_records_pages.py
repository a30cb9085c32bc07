"""The records' places on the visit page (documents/visit_*.html; issue 14,
items 3, 5, 6, 8) through HTTP: the photo, part and sign-off forms post to
their pages and come back to the visit at the step; each form carries a token
so a repeated tap adds nothing again; a `next` to another site is ignored."""

import pytest

from documents.models import Document, PartUse, Photo
from tests.signing import SIGNED
from tests.test_onsite_parts_photos import image_file, station, stock, visit  # noqa: F401 (fixtures)
from tests.test_pages_work_orders import logged_in
from tickets import services
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db


def page(client, order):
    return client.get(f"/visit/{order.pk}/")


def token_of(html, form):
    start = html.index(f'data-testid="{form}"')
    marker = 'name="token" value="'
    at = html.index(marker, start) + len(marker)
    return html[at:html.index('"', at)]


def test_the_visit_shows_the_three_places_with_their_forms(client, visit, tech1, station):  # noqa: F811
    stock(station, "P-GWH-IGN", 3)
    logged_in(client, tech1.user)
    html = page(client, visit).content.decode()

    assert 'data-testid="visit-photo-form"' in html and 'capture="environment"' in html
    assert 'accept="image/*"' in html
    assert 'data-testid="visit-part-form"' in html and "P-GWH-IGN" in html
    assert "Photos are added here (before, after)." not in html  # onsite's placeholder is gone
    assert "The parts used are recorded here." not in html
    assert 'data-testid="visit-sign-off-form"' not in html  # not resolved yet


def test_a_photo_is_added_once_however_often_the_form_is_sent(client, visit, tech1):  # noqa: F811
    logged_in(client, tech1.user)
    token = token_of(page(client, visit).content.decode(), "visit-photo-form")
    body = {"stage": "before", "token": token, "next": f"/visit/{visit.pk}/#photos"}

    first = client.post(f"/work-orders/{visit.pk}/photos/add/", {**body, "image": image_file()})
    again = client.post(f"/work-orders/{visit.pk}/photos/add/", {**body, "image": image_file()}, follow=True)

    assert first.status_code == 302 and first["Location"] == f"/visit/{visit.pk}/#photos"
    assert Photo.objects.filter(order=visit).count() == 1
    assert "This photo was already added." in again.content.decode()
    assert 'data-testid="visit-photos"' in again.content.decode()


def test_a_part_is_added_once_and_a_foreign_next_is_ignored(client, visit, tech1, station):  # noqa: F811
    from tests.test_billing_support import fee_schedule

    fee_schedule()
    stock(station, "P-GWH-IGN", 3)
    logged_in(client, tech1.user)
    token = token_of(page(client, visit).content.decode(), "visit-part-form")
    body = {"part_code": "P-GWH-IGN", "quantity": "1", "token": token, "next": f"/visit/{visit.pk}/#parts"}

    first = client.post(f"/work-orders/{visit.pk}/parts/add/", body)
    again = client.post(f"/work-orders/{visit.pk}/parts/add/", body)
    foreign = client.post(f"/work-orders/{visit.pk}/parts/add/", {**body, "token": "t2",
                                                                   "next": "https://evil.example/"})

    assert first["Location"] == again["Location"] == f"/visit/{visit.pk}/#parts"
    assert foreign["Location"] == f"/work-orders/{visit.pk}/#onsite-records"
    assert PartUse.objects.filter(order=visit).count() == 2  # the first token once, the second once


def test_the_sign_off_from_the_visit_asks_the_signature_then_lists_the_service_record(client, visit, tech1):  # noqa: F811
    services.work_order_resolve(order_id=visit.pk, by=tech1.user, resolution="更换点火针")
    logged_in(client, tech1.user)
    html = page(client, visit).content.decode()
    assert 'data-testid="visit-sign-off-form"' in html and "data-signature-pad" in html
    url = f"/visit/{visit.pk}/sign-off/"

    unsigned = client.post(url, {"signed_by": "王伟", "satisfaction": "5"})
    assert unsigned.status_code == 400
    assert 'data-testid="visit-sign-off-form"' in unsigned.content.decode()
    assert "field-error" in unsigned.content.decode()
    assert WorkOrder.objects.get(pk=visit.pk).state == "resolved"

    signed = client.post(url, {"signed_by": "王伟", "satisfaction": "5", **SIGNED})
    again = client.post(url, {"signed_by": "王伟", "satisfaction": "5", **SIGNED})

    assert signed.status_code == again.status_code == 302
    assert signed["Location"] == again["Location"] == f"/visit/{visit.pk}/#sign-off"
    assert Document.objects.filter(order=visit, kind="service_record").count() == 1
    shown = page(client, visit).content.decode()
    assert 'data-testid="visit-service-record"' in shown and 'data-testid="visit-sign-off-form"' not in shown
