from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoHistoryConfig(AppConfig):
    name = "demo_history"
    verbose_name = _("Demo history")

    def ready(self):
        from servicedesk.core import demo

        from .part import ARGUMENTS, seed_history

        # Last: it needs the organisation, technicians, categories and today's calls (agent2, agent3).
        demo.register(90, seed_history, name="history", arguments=ARGUMENTS)
