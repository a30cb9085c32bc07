"""The technician's page flow (issue 6, done when): a paid out-of-warranty
repair is quoted, accepted by the customer, charged, paid and receipted from
the technician's pages, through the Django test client."""

import pytest

from billing.models import Payment, Quote
from tests.test_billing_support import ago, fee_schedule, make_order, on_site, stocked
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_the_technician_quotes_charges_takes_payment_and_prints_the_receipt(client, agent, dispatcher, tech1,
                                                                             supervisor):
    fee_schedule()
    order = on_site(make_order(agent, purchase_date=ago(900), proof="FP-1"), dispatcher=dispatcher, tech=tech1)
    stocked(tech1, {"P-GWH-IGN": 5})
    client.force_login(tech1.user)

    # my jobs: the entitlement and the way to the charges
    jobs = client.get("/my-jobs/").content.decode()
    assert "Out of warranty" in jobs
    charges_url = f"/billing/work-orders/{order.pk}/"
    assert charges_url in jobs
    page = client.get(charges_url).content.decode()
    assert 'name="qty_P-GWH-IGN"' in page and 'name="qty_L-GWH-REPAIR"' in page
    assert 'name="qty_P-CL-TUBE"' not in page  # another product line's part is not offered
    assert "/fees/v1/print/" in page

    # a code that is not in the schedule is refused, nothing saved
    r = client.post(f"{charges_url}quote/", {"qty_P-GWH-IGN": "1", "qty_FAKE-1": "1"})
    assert r.status_code == 400 and "“FAKE-1” is not in the fee schedule v1" in r.content.decode()
    assert not Quote.objects.exists()

    r = client.post(f"{charges_url}quote/", {"qty_P-GWH-IGN": "1", "qty_L-GWH-REPAIR": "1", "qty_L-CALL": "0"})
    assert r.status_code == 302 and r["Location"] == charges_url
    page = client.get(charges_url).content.decode()
    assert 'data-testid="quote-total">¥125.00' in page and 'data-form="accept"' in page

    # resolving before the customer accepts is refused, on the work-order page too
    r = client.post(f"/work-orders/{order.pk}/actions/resolve/", {"resolution": "更换点火针"})
    assert WorkOrder.objects.get(pk=order.pk).state == "on_site"

    # the customer accepts: the checkbox and the name
    r = client.post(f"{charges_url}accept/", {"accepted_by": "王伟"})
    assert r.status_code == 400 and "The customer must accept the quote." in r.content.decode()
    r = client.post(f"{charges_url}accept/", {"confirm": "on", "accepted_by": "王伟"})
    assert r.status_code == 302
    assert Quote.objects.get().state == "accepted"

    client.post(f"/work-orders/{order.pk}/actions/resolve/", {"resolution": "更换点火针"})
    assert WorkOrder.objects.get(pk=order.pk).state == "resolved"

    assert client.post(f"{charges_url}charge/").status_code == 302
    page = client.get(charges_url).content.decode()
    assert 'data-testid="quote-due">¥125.00' in page and 'data-form="payment"' in page

    # a payment needs its receipt number
    r = client.post(f"{charges_url}pay/", {"method": "cash", "amount": "125.00", "receipt_number": ""})
    assert r.status_code == 400 and "field-error" in r.content.decode()
    assert not Payment.objects.exists()
    r = client.post(f"{charges_url}pay/", {"method": "cash", "amount": "125.00", "receipt_number": "SJ-2026-0001"})
    payment = Payment.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/billing/payments/{payment.pk}/receipt/"
    receipt = client.get(r["Location"]).content.decode()
    assert 'data-testid="receipt-number">SJ-2026-0001' in receipt
    assert 'data-testid="receipt-amount">¥125.00' in receipt and "P-GWH-IGN" in receipt
    assert Quote.objects.get().state == "paid"

    # the detail page sums it up; a supervisor may refund from the charges page
    detail = client.get(f"/work-orders/{order.pk}/").content.decode()
    assert 'data-testid="quote-summary"' in detail and "¥125.00" in detail
    client.force_login(supervisor)
    r = client.post(f"/billing/payments/{payment.pk}/refund/", {"amount": "200", "reason": "多收"})
    assert r.status_code == 400 and "At most 125.00" in r.content.decode()
    r = client.post(f"/billing/payments/{payment.pk}/refund/", {"amount": "25", "reason": "上门费退还"})
    assert r.status_code == 302
    assert "−¥25.00" in client.get(f"/billing/payments/{payment.pk}/receipt/").content.decode()


def test_other_technicians_and_partners_do_not_see_the_charges(client, agent, dispatcher, tech1, tech2,
                                                               partner_user):
    fee_schedule()
    order = on_site(make_order(agent, purchase_date=ago(900)), dispatcher=dispatcher, tech=tech1)
    client.force_login(tech2.user)
    assert client.get(f"/billing/work-orders/{order.pk}/").status_code == 404
    client.force_login(agent)
    page = client.get(f"/billing/work-orders/{order.pk}/").content.decode()
    assert 'data-form="quote"' not in page  # agents read
    assert client.post(f"/billing/work-orders/{order.pk}/quote/", {"qty_P-GWH-IGN": "1"}).status_code == 403


def test_the_navigation_offers_fees_and_stock(client, tech1, agent):
    client.force_login(tech1.user)
    page = client.get("/my-jobs/").content.decode()
    assert 'href="/fees/"' in page and 'href="/stock/"' in page
    client.force_login(agent)
    page = client.get("/work-orders/").content.decode()
    assert 'href="/fees/"' in page and 'href="/stock/"' not in page


def test_the_admin_edits_terms_and_schedules_and_shows_money_read_only(client, agent, dispatcher, tech1):
    from tests.factories import UserFactory

    fee_schedule()
    order = on_site(make_order(agent, purchase_date=ago(900)), dispatcher=dispatcher, tech=tech1)
    from billing.services import fees as fee_services

    fee_services.quote_set(order_id=order.pk, by=tech1.user, lines=[{"code": "P-GWH-IGN", "quantity": 1}])
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for name in ("warrantyterm", "categorybillingpolicy", "feeschedule", "workorderentitlement", "quote", "payment",
                 "refund", "servicepointdeposit", "stockitem", "stockmovement", "quoteevent"):
        assert client.get(f"/admin/billing/{name}/").status_code == 200, name
    assert client.get("/admin/billing/warrantyterm/add/").status_code == 200
    assert client.get(f"/admin/billing/quote/{Quote.objects.get().pk}/change/").status_code == 200
    assert client.get("/admin/billing/quote/add/").status_code == 403
