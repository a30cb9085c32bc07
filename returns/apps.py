from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = _("Returns and factory returns")

    def ready(self):
        from servicedesk.core import demo, menu
        from servicedesk.deadlines import registry
        from servicedesk.webhooks import sources as webhook_sources

        from .demo import seed_run
        from .models import FactoryReturn, ReturnRequest
        from .selectors import user_may_read_factory_returns, user_may_read_returns
        from .services.exchange_proposals import propose_exchange_for_late_repairs

        # seeds/004: a depot repair past its 3 days gets an exchange proposed, after every sweep.
        registry.register(ReturnRequest, load=ReturnRequest.deadline_subjects,
                          responsible=ReturnRequest.deadline_responsible, after_sweep=propose_exchange_for_late_repairs)
        registry.register(FactoryReturn, load=FactoryReturn.deadline_subjects,
                          responsible=FactoryReturn.deadline_responsible)
        menu.register("returns", user_may_read_returns)
        menu.register("factory_returns", user_may_read_factory_returns)
        demo.register(75, seed_run, name="returns")
        webhook_sources.register(ReturnRequest, _as_seen_by)


def _as_seen_by(obj, user):
    """A webhook's `data`: the return as `user` (the partner) reads it in the API."""
    from types import SimpleNamespace

    from .api.requests import ReturnSerializer
    from .models import ReturnRequest
    from .selectors import returns_with_relations

    fresh = returns_with_relations(ReturnRequest.objects.filter(pk=obj.pk)).get()
    return ReturnSerializer(fresh, context={"request": SimpleNamespace(user=user)}).data
