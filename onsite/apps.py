from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnsiteConfig(AppConfig):
    name = "onsite"
    verbose_name = _("On site")

    def ready(self):
        from documents import sections
        from measures import compliance
        from tickets import hooks

        from . import fields, selectors, services, views

        # contract (On site, What blocks the work).
        hooks.add_guard("resolve", services.guard_resolve)
        hooks.add_guard("return", services.guard_return)
        hooks.add_guard("take-back", services.guard_take_back)
        # contract (Appointment kept).
        hooks.add_input("schedule", "appointment_end", fields.appointment_end)
        hooks.add_effect("schedule", services.schedule_effect)
        for name, make in fields.POSITION.items():
            hooks.add_input("check-in", name, make)
        hooks.add_effect("check-in", services.check_in_effect)
        hooks.add_answer_field("appointment_end", fields.appointment_end_answer)
        hooks.add_panel("onsite", "onsite/_order_panel.html", views.order_panel)
        hooks.add_demo_visit(services.demo_visit)
        # The checklist on the service record and the handover receipt (documents.sections).
        sections.register("checklist", selectors.checklist_section, kinds=("service_record", "handover_receipt"))
        # The scorecards' compliance with the standards (measures.compliance).
        compliance.register(selectors.checklist_compliance)
