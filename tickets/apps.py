from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Work orders")

    def ready(self):
        from servicedesk.core.paginator import register_table_total
        from servicedesk.deadlines import registry

        from .models import WorkOrder, WorkOrderCount

        registry.register(WorkOrder, load=WorkOrder.deadline_subjects, responsible=WorkOrder.deadline_responsible,
                          changed=WorkOrder.deadlines_changed)
        register_table_total(WorkOrder, WorkOrderCount.total)
