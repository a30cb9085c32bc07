"""The console's forms. Filing a work order or a complaint uses the create
pages' own forms (tickets.forms, complaints.forms), which validate with the
API's input serializers: the console adds only what a call knows (the
caller's products, the channel) and never a rule of its own."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.forms import ComplaintCreateForm
from servicedesk.accounts.models import User
from tickets.forms import WorkOrderCreateForm

from .models import Call
from .selectors import hand_over_candidates

TEL = {"inputmode": "tel", "autocomplete": "off", "placeholder": "138 0013 8000"}


class ConsoleWorkOrderForm(WorkOrderCreateForm):
    """The work-order create form, plus "one of the caller's products"."""

    existing_product = forms.ChoiceField(label=_("The caller's product"), required=False)

    field_order = ["kind", "existing_product", "category", "model", "serial", "purchase_date", "description",
                   "customer_name", "customer_phone", "customer_address"]

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.products = {str(p.pk): p for p in products}
        self.fields["existing_product"].choices = [("", _("Another product (below)"))] + [
            (str(p.pk), str(p)) for p in products
        ]
        self.fields["kind"].widget.attrs["autofocus"] = True
        self.fields["description"].widget.attrs.setdefault("rows", 3)

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("existing_product")
        if chosen and self.validated is not None:
            if chosen not in self.products:
                self.add_error("existing_product", _("Not a product of this caller."))
            else:
                self.validated["product"] = self.products[chosen]
        return cleaned


class ConsoleComplaintForm(ComplaintCreateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.attrs["autofocus"] = True
        self.fields["description"].widget.attrs["rows"] = 3

    field_order = ["category", "description", "work_order", "cause", "source", "external", "media",
                   "customer_name", "customer_phone", "customer_address"]


class InquiryForm(forms.Form):
    text = forms.CharField(label=_("The caller asks"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}))
    answer = forms.CharField(label=_("Answer given"), max_length=4000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ManualCallForm(forms.Form):
    """A contact without telephony: walk-in, WeChat, e-mail (or a phone call
    the switch did not report)."""

    channel = forms.ChoiceField(label=_("Channel"), initial=Call.Channel.WALK_IN,
                                choices=[c for c in Call.Channel.choices
                                         if c[0] not in (Call.Channel.PHONE, Call.Channel.OUTBOUND)])
    caller = forms.CharField(label=_("Caller's phone"), max_length=40, required=False,
                             widget=forms.TextInput(attrs=TEL))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class HandOverForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Hand over to"), queryset=User.objects.none())
    note = forms.CharField(label=_("Why, and what is still to do"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, exclude=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = hand_over_candidates()
        if exclude is not None:
            people = people.exclude(pk=exclude.pk)
        self.fields["to"].queryset = people.order_by("username")
        self.fields["to"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"
