from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from servicedesk.core import demo
        from servicedesk.deadlines import registry

        from .demo import ARGUMENTS, seed_complaints
        from .models import Complaint

        registry.register(Complaint, load=Complaint.deadline_subjects, responsible=Complaint.deadline_responsible)
        demo.register(50, seed_complaints, name="complaints", arguments=ARGUMENTS)
