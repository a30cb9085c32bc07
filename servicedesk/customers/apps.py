from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "servicedesk.customers"
    label = "customers"
    verbose_name = _("Customers and products")

    def ready(self):
        from servicedesk.accounts.models import Region
        from servicedesk.core import demo

        from .demo import seed_categories
        from .models import ProductCategory
        from .services import ACTIVE_CATEGORIES, REGIONS

        demo.register(20, seed_categories, name="categories")
        REGIONS.watch(Region)  # a change reaches every process (core/process_cache.py)
        ACTIVE_CATEGORIES.watch(ProductCategory)
