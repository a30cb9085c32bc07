from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Warranty, fees and returns")

    def ready(self):
        from servicedesk.core import demo, menu
        from servicedesk.deadlines import registry

        from .demo import seed_run
        from .models.returns import FactoryReturn, ReturnRequest
        from .selectors.fees import user_may_see_fee_schedule, user_may_see_stock
        from .selectors.returns import user_may_read_factory_returns, user_may_read_returns
        from .services.returns import propose_exchange_for_late_repairs

        # seeds/004: a depot repair past its 3 days gets an exchange proposed, after every sweep.
        registry.register(ReturnRequest, load=ReturnRequest.deadline_subjects,
                          responsible=ReturnRequest.deadline_responsible, after_sweep=propose_exchange_for_late_repairs)
        registry.register(FactoryReturn, load=FactoryReturn.deadline_subjects,
                          responsible=FactoryReturn.deadline_responsible)
        menu.register("fees", user_may_see_fee_schedule)
        menu.register("stock", user_may_see_stock)
        # Returns' entries: they go with returns when it leaves billing (issue 12, item 4).
        menu.register("returns", user_may_read_returns)
        menu.register("factory_returns", user_may_read_factory_returns)
        demo.register(70, seed_run, name="billing")
