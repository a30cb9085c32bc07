"""Pages of the visit (issue 14): the order's on-site card."""

from . import selectors


def order_panel(request, order):
    """The card on the order's page (tickets.hooks.add_panel): the checklist,
    the rectification notices and where the check-in was made."""
    rows = selectors.checklist_rows(order)
    position = selectors.check_in_position(order)
    notices = selectors.rectification_notices(order)
    if not rows and position is None and not notices:
        return None
    return {"rows": rows, "position": position, "notices": notices}
