from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TechniciansConfig(AppConfig):
    name = "technicians"
    verbose_name = _("Technicians")

    def ready(self):
        from servicedesk.core import demo

        from .demo import seed_technicians

        demo.register(30, seed_technicians, name="technicians")
