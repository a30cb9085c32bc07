"""The card on the order's page (tickets.hooks.add_panel): what the customer
was told and whether it went out, for staff."""

from servicedesk.core.phone import mask_phone

from . import selectors


def context(request, order):
    if not selectors.user_may_read_messages(request.user):
        return None
    rows = list(selectors.messages_of(order))
    for row in rows:
        row.to_masked = mask_phone(row.to)
    return {"messages": rows}
