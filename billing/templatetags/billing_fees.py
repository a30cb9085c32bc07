"""Template tags that show billing on the work-order pages (tickets
templates load this library and call one tag each; no query per card)."""

from django import template

from ..selectors import fees as sel

register = template.Library()

STATUS_STYLE = {"in_warranty": "badge-ok", "out_of_warranty": "badge-overdue", "no_proof": "badge-paused"}


def _entitlement_context(order):
    entitlement = sel.entitlement_of(order)
    return {
        "order": order,
        "entitlement": entitlement,
        "style": STATUS_STYLE.get(getattr(entitlement, "status", ""), ""),
    }


@register.inclusion_tag("billing/fees/_badge.html", takes_context=True)
def billing_work_order_badge(context, order):
    """The technician's job card: the entitlement (prefetched with the list) and the way to the charges."""
    user = context.get("user")
    return {**_entitlement_context(order),
            "may_quote": bool(user and sel.user_may_read_quote(user, order))}


@register.inclusion_tag("billing/fees/_order_card.html", takes_context=True)
def billing_work_order_card(context, order):
    """The work-order detail page: entitlement, the quote's state and totals."""
    user = context.get("user")
    may_read = bool(user and sel.user_may_read_quote(user, order))
    quote = sel.quote_of(order) if may_read else None
    return {**_entitlement_context(order), "may_quote": may_read, "quote": quote,
            "money": sel.quote_money(quote) if quote else None}


@register.inclusion_tag("billing/fees/_preview_slot.html")
def billing_entitlement_preview_slot():
    """On the create form: asks the preview page again whenever a product field changes."""
    return {}


@register.filter
def entitlement_style(status):
    return STATUS_STYLE.get(status, "")
