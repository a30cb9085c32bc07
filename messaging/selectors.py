"""Reads: the messages of an order, for staff who see every order."""

from django.db.models import QuerySet

from tickets.selectors import user_sees_all_work_orders, work_orders_visible_to

from .models import Message


def visible_order(user, order_id):
    """The order if this user may see it (tickets' rule), else None."""
    return work_orders_visible_to(user).filter(pk=order_id).first()


def user_may_read_messages(user) -> bool:
    """Staff: the roles that see every order (not technicians, partners)."""
    return user.is_authenticated and user_sees_all_work_orders(user)


def messages_of(order) -> QuerySet:
    return Message.objects.filter(order=order).order_by("created_at", "id")
