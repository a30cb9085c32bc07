"""The card the dispatch app adds to a work order's page (tickets.hooks.add_panel):
the director's approval while the installation waits for it, the link to
the suggestions while the order waits for a technician."""

from tickets.models import WorkOrder

from . import selectors


def approval_panel(request, order):
    if order.state == WorkOrder.State.AWAITING_APPROVAL:
        return {"approve": selectors.user_may_approve(request.user), "awaiting": True}
    if order.state in (WorkOrder.State.RECEIVED, WorkOrder.State.DISPATCHED) and selectors.user_may_dispatch(
            request.user):
        return {"suggest": True}
    return None
