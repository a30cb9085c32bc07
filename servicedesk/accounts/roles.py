"""The roles of DEVELOPERS.md / domain.md section 1. A role is a Django group
of the same name (created by migration), so administrators assign roles in
the admin like any group."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Call-center agent")
    DISPATCHER = "dispatcher", _("Dispatcher")
    TECHNICIAN = "technician", _("Technician")
    SUPERVISOR = "supervisor", _("Supervisor")
    HANDLER = "handler", _("Complaint handler")
    MANAGER = "manager", _("Manager")
    HR = "hr", _("HR")
    PARTNER = "partner", _("Partner system")
    TELEPHONY = "telephony", _("Telephone switch")
    LOGISTICS = "logistics", _("Logistics (returns to the factory)")
    ADMINISTRATOR = "administrator", _("Administrator")
