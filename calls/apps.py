from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Call center")

    def ready(self):
        from servicedesk.core import demo, menu
        from servicedesk.deadlines import registry

        from .console import user_may_see_wallboard, user_may_use_console
        from .demo import seed_run
        from .models import Call, Callback

        registry.register(Call, load=Call.deadline_subjects, responsible=Call.deadline_responsible)
        registry.register(Callback, load=Callback.deadline_subjects, responsible=Callback.deadline_responsible)
        menu.register("console", user_may_use_console)
        menu.register("callbacks", user_may_use_console)
        menu.register("wallboard", user_may_see_wallboard)
        demo.register(60, seed_run, name="calls")
