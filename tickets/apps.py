from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Work orders")

    def ready(self):
        from servicedesk.core.paginator import register_table_total
        from servicedesk.deadlines import registry
        from servicedesk.webhooks import sources as webhook_sources

        from .models import WorkOrder, WorkOrderCount

        registry.register(WorkOrder, load=WorkOrder.deadline_subjects, responsible=WorkOrder.deadline_responsible,
                          changed=WorkOrder.deadlines_changed)
        register_table_total(WorkOrder, WorkOrderCount.total)
        webhook_sources.register(WorkOrder, _as_seen_by)


def _as_seen_by(order, user):
    """A webhook's `data`: the order as `user` (the partner) reads it in the API."""
    from types import SimpleNamespace

    from .models import WorkOrder
    from .selectors import with_list_relations
    from .serializers import WorkOrderSerializer

    fresh = with_list_relations(WorkOrder.objects.filter(pk=order.pk)).get()
    return WorkOrderSerializer(fresh, context={"request": SimpleNamespace(user=user)}).data
