from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages to the customer")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # tickets never imports this app: the work order's actions write the
        # outbox through the effects registered here (tickets.hooks).
        from tickets import hooks

        from . import panel
        from .outbox import EFFECTS

        for action, effect in EFFECTS.items():
            hooks.add_effect(action, effect)
        hooks.add_panel("customer_messages", "messaging/_panel.html", panel.context)
