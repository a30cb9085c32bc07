from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Call center")

    def ready(self):
        from servicedesk.deadlines import registry

        from .models import Call, Callback

        registry.register(Call, load=Call.deadline_subjects, responsible=Call.deadline_responsible)
        registry.register(Callback, load=Callback.deadline_subjects, responsible=Callback.deadline_responsible)
