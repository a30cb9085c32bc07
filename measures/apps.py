from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = _("Measures")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from servicedesk.core import menu

        from .scope import user_may_see_measures

        menu.register("measures", user_may_see_measures)
