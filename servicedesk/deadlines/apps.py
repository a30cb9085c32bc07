from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "servicedesk.deadlines"
    label = "deadlines"
    verbose_name = _("Deadlines")

    def ready(self):
        from servicedesk.core import menu

        from .models import EscalationStep, SlaPolicy
        from .selectors import user_may_see_dashboard
        from .services import POLICIES

        menu.register("dashboard", user_may_see_dashboard)
        POLICIES.watch(SlaPolicy, EscalationStep)  # a change reaches every process (core/process_cache.py)
