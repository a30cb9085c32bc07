from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = _("Returns and factory returns")

    def ready(self):
        from servicedesk.deadlines import registry

        from .models import FactoryReturn, ReturnRequest
        from .services.exchange_proposals import propose_exchange_for_late_repairs

        # seeds/004: a depot repair past its 3 days gets an exchange proposed, after every sweep.
        registry.register(ReturnRequest, load=ReturnRequest.deadline_subjects,
                          responsible=ReturnRequest.deadline_responsible, after_sweep=propose_exchange_for_late_repairs)
        registry.register(FactoryReturn, load=FactoryReturn.deadline_subjects,
                          responsible=FactoryReturn.deadline_responsible)
