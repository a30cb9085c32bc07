from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self):
        from servicedesk.core import demo, menu
        from tickets import hooks

        from . import panels, selectors
        from .demo import seed_dispatch
        from .services import proposal_input, record_proposal

        menu.register("dispatch_board", selectors.user_may_see_board)
        menu.register("approvals", selectors.user_may_approve)
        menu.register("roster", selectors.user_may_edit_roster)
        demo.register(45, seed_dispatch, name="dispatch")
        # The board's drop onto a time proposes the slot with the dispatch itself (tickets.hooks).
        hooks.add_input("dispatch", "proposed_at", proposal_input)
        hooks.add_effect("dispatch", record_proposal)
        hooks.add_panel("approval", "dispatch/_approval_panel.html", panels.approval_panel)
