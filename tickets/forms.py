"""The create page's form. It only lays the fields out flat for a browser:
validation is the API's own WorkOrderCreateInput, so a phone number, a
category slug or a purchase date is judged the same way on both sides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.customers.models import ProductCategory

from .models import WorkOrder
from .serializers import WorkOrderCreateInput

# Where each (nested) field of WorkOrderCreateInput appears on the page.
FIELD_FOR = {
    "kind": "kind",
    "description": "description",
    "customer": {"name": "customer_name", "phone": "customer_phone", "address": "customer_address"},
    "product": {"category": "category", "model": "model", "serial": "serial", "purchase_date": "purchase_date",
                "proof_of_purchase": "proof_of_purchase", "manufactured_on": "manufactured_on"},
}


class WorkOrderCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkOrder.Kind.choices)
    customer_name = forms.CharField(label=_("Customer name"), max_length=100)
    customer_phone = forms.CharField(
        label=_("Phone"), max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "138 0013 8000"}),
    )
    customer_address = forms.CharField(label=_("Address"), max_length=255, required=False)
    category = forms.ChoiceField(label=_("Product category"), required=False)
    model = forms.CharField(label=_("Model"), max_length=100, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    purchase_date = forms.DateField(
        label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    # issue 6: what decides the warranty (billing).
    proof_of_purchase = forms.CharField(label=_("Proof of purchase (receipt or invoice number)"), max_length=100,
                                        required=False)
    manufactured_on = forms.DateField(
        label=_("Manufacture date code"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    description = forms.CharField(
        label=_("Fault or request"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [
            (c.slug, c.name) for c in ProductCategory.objects.filter(active=True).order_by("name")
        ]
        self.validated = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        payload = {
            "kind": cleaned["kind"],
            "description": cleaned["description"],
            "customer": {
                "name": cleaned["customer_name"],
                "phone": cleaned["customer_phone"],
                "address": cleaned.get("customer_address", ""),
            },
        }
        if cleaned.get("category"):
            payload["product"] = {
                "category": cleaned["category"],
                "model": cleaned.get("model", ""),
                "serial": cleaned.get("serial", ""),
                "purchase_date": cleaned.get("purchase_date"),
                "proof_of_purchase": cleaned.get("proof_of_purchase", ""),
                "manufactured_on": cleaned.get("manufactured_on"),
            }
        elif any(cleaned.get(f) for f in ("model", "serial", "purchase_date", "proof_of_purchase", "manufactured_on")):
            self.add_error("category", _("Choose the category of this product."))
            return cleaned
        data = WorkOrderCreateInput(data=payload)
        if data.is_valid():
            self.validated = data.validated_data
        else:
            self._add_serializer_errors(data.errors, FIELD_FOR)
        return cleaned

    def _add_serializer_errors(self, errors, mapping):
        for key, value in errors.items():
            target = mapping.get(key) if isinstance(mapping, dict) else None
            if isinstance(value, dict):
                self._add_serializer_errors(value, target if isinstance(target, dict) else {})
            else:
                field = target if isinstance(target, str) else None
                for message in value:
                    self.add_error(field, str(message))

    def field_for(self, service_field):
        """The page field for a field a service names in a ValidationFailed."""
        target = FIELD_FOR.get(service_field)
        return target if isinstance(target, str) else None
