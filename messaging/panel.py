"""The card on the order's page (tickets.hooks.add_panel): what the customer
was told and whether it went out, for staff."""

from servicedesk.customers.selectors import phone_policy_for

from . import selectors


def context(request, order):
    if not selectors.user_may_read_messages(request.user):
        return None
    rows = list(selectors.messages_of(order))
    policy = phone_policy_for(request)  # the page shows the number as it shows the customer's (seeds/001)
    for row in rows:
        row.to_masked = policy.phone(row.to, customer=order.customer, order=order)
    return {"messages": rows}
