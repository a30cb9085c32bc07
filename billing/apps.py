from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Warranty and fees")

    def ready(self):
        from servicedesk.core import demo, menu

        from .demo import seed_run
        from .models import WarrantyTerm
        from .selectors.fees import WARRANTY_TERMS, user_may_see_fee_schedule, user_may_see_stock

        menu.register("fees", user_may_see_fee_schedule)
        menu.register("stock", user_may_see_stock)
        demo.register(70, seed_run, name="billing")
        WARRANTY_TERMS.watch(WarrantyTerm)  # a change reaches every process (core/process_cache.py)
