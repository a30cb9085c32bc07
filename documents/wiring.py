"""How documents plugs into the work order's actions (tickets.hooks; docs/onsite-documents.md):

- sign-off and take-back take the customer's `signature` or `refused_reason`
  (a guard refuses neither with a 400 naming `signature`); their effects store
  it and make the service record / the handover receipt;
- take-back also takes the product's `condition` and `accessories`, printed on
  the handover receipt;
- resolve and return take the parts used out of the station's stock
  (documents.parts);
- the action forms of the order's page get the signature pad, and the page a
  card with the photos, parts and documents.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tickets import hooks

from . import parts, services, signatures
from .panel import panel_context

SIGNED_ACTIONS = ("sign-off", "take-back")


def register() -> None:
    hooks.add_form_part("take-back", "documents/_handover_fields.html")  # before the signature: what is signed
    for action in SIGNED_ACTIONS:
        for name, make_field in signatures.input_fields().items():
            hooks.add_input(action, name, make_field)
        hooks.add_guard(action, services.require_signature)
        hooks.add_form_part(action, "documents/_signature_field.html")
    for name, label in (("condition", _("Condition of the product")), ("accessories", _("Accessories taken"))):
        hooks.add_input("take-back", name, lambda label=label: serializers.CharField(
            required=False, allow_blank=True, max_length=500, label=label))
    hooks.add_effect("sign-off", services.sign_off_recorded)
    hooks.add_effect("take-back", services.take_back_recorded)
    for action in ("resolve", "return"):
        hooks.add_guard(action, parts.require_stock)
        hooks.add_effect(action, parts.parts_consume)
    hooks.add_panel("documents", "documents/_panel.html", panel_context)
