"""The card on the work order's page (tickets.hooks.add_panel): the survey
and its link, the customer's appointment requests, the follow-up's outcome,
and closing the order with that outcome."""

from tickets.models import WorkOrder
from tickets.selectors import user_may_take

from . import links, selectors
from .models import FollowUpOutcome


def order_panel(request, order):
    user = request.user
    if not selectors.is_staff_reader(user):
        return None
    survey = selectors.survey_of(order)
    follow_up = FollowUpOutcome.objects.filter(order=order).select_related("by").first()
    requests = selectors.requests_of(order)
    signed = order.state in (WorkOrder.State.SIGNED_OFF, WorkOrder.State.CLOSED)
    if not (signed or requests or order.state == WorkOrder.State.SCHEDULED):
        return None
    return {
        "survey": survey,
        "link": links.customer_link(order, request),
        "signed": signed,
        "requests": requests,
        "follow_up": follow_up,
        "may_close": order.state == WorkOrder.State.SIGNED_OFF and user_may_take(user, order, "close"),
        "outcomes": FollowUpOutcome.Outcome.choices,
        "may_handle": selectors.may_see_requests(user),
    }
