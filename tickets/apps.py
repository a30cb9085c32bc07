from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Work orders")

    def ready(self):
        from billing import orders as billing_orders
        from servicedesk.core import demo, menu
        from servicedesk.core.paginator import register_table_total
        from servicedesk.customers.selectors import register_served_by
        from servicedesk.deadlines import registry
        from servicedesk.webhooks import sources as webhook_sources

        from .demo import ARGUMENTS, seed_work_orders
        from .models import WorkOrder, WorkOrderCount
        from .selectors import (
            customers_served_by,
            user_may_read_work_orders,
            user_may_see_dispatch_queue,
            work_orders_visible_to,
        )

        registry.register(WorkOrder, load=WorkOrder.deadline_subjects, responsible=WorkOrder.deadline_responsible,
                          changed=WorkOrder.deadlines_changed, describe=WorkOrder.deadline_descriptions)
        register_table_total(WorkOrder, WorkOrderCount.total)
        register_served_by(customers_served_by)
        billing_orders.register(visible_to=work_orders_visible_to)
        menu.register("work_orders", user_may_read_work_orders)
        menu.register("dispatch_queue", user_may_see_dispatch_queue)
        demo.register(40, seed_work_orders, name="work orders", arguments=ARGUMENTS)
        webhook_sources.register(WorkOrder, _as_seen_by)


def _as_seen_by(order, user):
    """A webhook's `data`: the order as `user` (the partner) reads it in the API."""
    from types import SimpleNamespace

    from .models import WorkOrder
    from .selectors import with_list_relations
    from .serializers import WorkOrderSerializer

    fresh = with_list_relations(WorkOrder.objects.filter(pk=order.pk)).get()
    return WorkOrderSerializer(fresh, context={"request": SimpleNamespace(user=user)}).data
