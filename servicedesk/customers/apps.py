from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "servicedesk.customers"
    label = "customers"
    verbose_name = _("Customers and products")

    def ready(self):
        from servicedesk.core import demo

        from .demo import seed_categories

        demo.register(20, seed_categories, name="categories")
