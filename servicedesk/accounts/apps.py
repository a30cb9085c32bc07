from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "servicedesk.accounts"
    label = "accounts"
    verbose_name = _("Organisation and users")

    def ready(self):
        from servicedesk.core import demo

        from .demo import seed_organisation

        demo.register(10, seed_organisation, name="organisation")
