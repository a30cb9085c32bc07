from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    name = "aftercare"
    verbose_name = _("After the visit")

    def ready(self):
        from servicedesk.core import menu
        from servicedesk.deadlines import registry
        from tickets import hooks

        from . import panels, selectors, serializers, services
        from .models import LowScoreFollowUp

        # The work order's extension points (tickets/hooks.py; docs/architecture.md).
        hooks.add_effect("sign-off", services.on_sign_off)
        hooks.add_input("close", "follow_up_outcome", serializers.follow_up_outcome_field)
        hooks.add_effect("close", services.on_close)
        hooks.add_answer_field("survey", serializers.SurveyAnswerField)
        hooks.add_answer_field("survey_link", serializers.SurveyLinkField)
        hooks.add_panel("aftercare", "aftercare/_order_panel.html", panels.order_panel)

        registry.register(LowScoreFollowUp, load=LowScoreFollowUp.deadline_subjects,
                          responsible=LowScoreFollowUp.deadline_responsible)
        menu.register("survey_calls", selectors.may_work_survey_queue)
        menu.register("survey_follow_ups", selectors.may_follow_up)
        menu.register("customer_requests", selectors.may_see_requests)

        from measures import satisfaction
        from messaging import links as message_links

        from . import customer_page, wiring

        satisfaction.register(wiring.survey_responses)
        message_links.register("survey", wiring.message_survey_link)
        customer_page.register_document_provider(wiring.order_documents)
