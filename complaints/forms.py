"""The "file a complaint" page's form. It lays the fields out flat for a
browser; validation is the API's own ComplaintCreateInput, so a phone number,
a category or a work order is judged the same way on both sides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Complaint
from .serializers import ComplaintCreateInput

# Where each (nested) field of ComplaintCreateInput appears on the page.
FIELD_FOR = {
    "customer": {"name": "customer_name", "phone": "customer_phone", "address": "customer_address"},
    "category": "category",
    "cause": "cause",
    "source": "source",
    "description": "description",
    "external": "external",
    "media": "media",
    "work_order": "work_order",
}


class ComplaintCreateForm(forms.Form):
    customer_name = forms.CharField(label=_("Customer name"), max_length=100)
    customer_phone = forms.CharField(
        label=_("Phone"), max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "138 0013 8000"}),
    )
    customer_address = forms.CharField(label=_("Address"), max_length=255, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—")] + Complaint.Category.choices)
    cause = forms.ChoiceField(label=_("Cause (if known)"), required=False,
                              choices=[("", _("Not known yet"))] + Complaint.Cause.choices)
    source = forms.ChoiceField(label=_("Channel"), choices=Complaint.Source.choices, initial=Complaint.Source.PHONE)
    description = forms.CharField(label=_("What the customer says"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    external = forms.BooleanField(label=_("The customer threatens to complain outside the company"), required=False)
    media = forms.BooleanField(label=_("The complaint has reached the media"), required=False)
    work_order = forms.CharField(
        label=_("Work order number (optional)"), max_length=24, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "WO20260101000123"}),
    )

    def __init__(self, *args, work_orders, **kwargs):
        """`work_orders`: the orders this user may see, the only ones a complaint may name."""
        super().__init__(*args, **kwargs)
        self.work_orders = work_orders
        self.validated = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        payload = {
            "customer": {"name": cleaned["customer_name"], "phone": cleaned["customer_phone"],
                         "address": cleaned.get("customer_address", "")},
            "category": cleaned["category"],
            "cause": cleaned.get("cause", ""),
            "source": cleaned["source"],
            "description": cleaned["description"],
            "external": cleaned.get("external", False),
            "media": cleaned.get("media", False),
        }
        number = (cleaned.get("work_order") or "").strip()
        if number:
            order = self.work_orders.filter(number__iexact=number).only("pk").first()
            if order is None:
                self.add_error("work_order", _("No work order with this number."))
                return cleaned
            payload["work_order"] = order.pk
        data = ComplaintCreateInput(data=payload, work_orders=self.work_orders)
        if data.is_valid():
            self.validated = dict(data.validated_data)
        else:
            self._add_serializer_errors(data.errors, FIELD_FOR)
        return cleaned

    def _add_serializer_errors(self, errors, mapping):
        for key, value in errors.items():
            target = mapping.get(key) if isinstance(mapping, dict) else None
            if isinstance(value, dict):
                self._add_serializer_errors(value, target if isinstance(target, dict) else {})
            else:
                for message in value:
                    self.add_error(target if isinstance(target, str) else None, str(message))

    def field_for(self, service_field):
        """The page field for a field a service names in a ValidationFailed."""
        target = FIELD_FOR.get(service_field)
        return target if isinstance(target, str) else None
