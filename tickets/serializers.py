from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.fees import EntitlementSerializer
from servicedesk.core.api import AwareDateTimeField, NotFutureDateTimeField
from servicedesk.core.phone import is_valid_phone, normalize_phone
from servicedesk.core.serializers import FieldsBuiltOnce
from servicedesk.customers.models import Customer, ProductCategory
from servicedesk.customers.selectors import customer_as_sent, customer_shown, phone_policy_for, product_shown
from servicedesk.customers.services import active_category
from servicedesk.deadlines.serializers import DeadlineSerializer
from servicedesk.ownership.serializers import HandOverInput, UserRefField  # noqa: F401 - the work-order API and pages name them here
from technicians.models import Technician

from . import hooks
from .models import WorkOrder, WorkOrderEvent

# --- input -------------------------------------------------------------------


class CustomerInput(FieldsBuiltOnce, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=40)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_phone(self, value):
        number = normalize_phone(value)
        if not is_valid_phone(number):
            raise serializers.ValidationError(_("Not a valid phone number."))
        return number


@extend_schema_field(
    {"oneOf": [{"type": "integer", "description": "an existing customer id"},
               {"type": "object", "properties": {"name": {"type": "string"}, "phone": {"type": "string"},
                                                 "address": {"type": "string"}}, "required": ["name", "phone"]}]}
)
class CustomerField(serializers.Field):
    """An existing customer id, or {"name", "phone", "address"} matched by phone."""

    default_error_messages = {
        "unknown": _("No customer with id %(id)s."),
        "type": _("Give a customer id or an object with name, phone and address."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("type")
        if isinstance(data, int):
            customers = self.context.get("customers_queryset", Customer.objects.all())
            customer = customers.filter(pk=data).first()
            if customer is None:
                raise serializers.ValidationError(self.error_messages["unknown"] % {"id": data})
            return customer
        if isinstance(data, dict):
            nested = CustomerInput(data=data)
            nested.is_valid(raise_exception=True)
            return dict(nested.validated_data)
        self.fail("type")

    def to_representation(self, value):
        return value


class CategoryField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("Unknown product category “{value}”."),
        "invalid": _("Give the category's slug."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=ProductCategory.objects.filter(active=True), **kwargs)

    def to_internal_value(self, data):
        # The active lines are kept per process (issue 18): no query per create.
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        category = active_category(str(data))
        if category is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return category


class ProductInput(FieldsBuiltOnce, serializers.Serializer):
    category = CategoryField()
    model = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    serial = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    purchase_date = serializers.DateField(required=False, allow_null=True, default=None)
    proof_of_purchase = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    manufactured_on = serializers.DateField(required=False, allow_null=True, default=None)  # date code (billing)

    def validate_purchase_date(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("Must not be in the future."))
        return value


class WorkOrderCreateInput(FieldsBuiltOnce, serializers.Serializer):
    kind = serializers.ChoiceField(choices=WorkOrder.Kind.choices)
    customer = CustomerField()
    product = ProductInput(required=False, allow_null=True)
    description = serializers.CharField(max_length=4000)
    reported_at = NotFutureDateTimeField(required=False)
    external_ref = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ActionInput(serializers.Serializer):
    """An action's input, plus the fields other apps added for that action
    (tickets.hooks.add_input). The action is the class's own (`action`, so
    the schema shows the fields) or the context's."""

    action: str | None = None

    def get_fields(self):
        fields = super().get_fields()
        fields.update(hooks.input_fields(self.action or self.context.get("action")))
        return fields


class NoteInput(ActionInput):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TechnicianRefField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("No technician with id {pk_value}."),
        "incorrect_type": _("Give the technician's id (a number)."),
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Technician.objects.select_related("user"), **kwargs)


class DispatchInput(NoteInput):
    action = "dispatch"
    technician = TechnicianRefField()


class ReasonInput(ActionInput):
    reason = serializers.CharField(max_length=2000)


class ScheduleInput(NoteInput):
    action = "schedule"
    appointment_at = AwareDateTimeField()


class ResolutionInput(ActionInput):
    resolution = serializers.CharField(max_length=4000)


class ResolveInput(ResolutionInput):
    action = "resolve"


class ReturnInput(ResolutionInput):
    action = "return"


class CheckInInput(NoteInput):
    action = "check-in"


class TakeBackInput(NoteInput):
    action = "take-back"
    promised_by = AwareDateTimeField()


class SignOffInput(ActionInput):
    action = "sign-off"
    signed_by = serializers.CharField(max_length=100)
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)


class RevisitInput(ActionInput):
    description = serializers.CharField(max_length=4000)


# --- output ------------------------------------------------------------------


class _DeadlineList(serializers.ListSerializer):
    """The order's deadlines: the rows prefetched by
    tickets.selectors.with_list_relations as they are (`.all()` on the
    relation would build a queryset per row), else the relation."""

    def get_attribute(self, instance):
        cached = getattr(instance, "_prefetched_objects_cache", {}).get("deadlines")
        if cached is not None and cached._result_cache is not None:
            return cached._result_cache
        return super().get_attribute(instance)


class WorkOrderSerializer(FieldsBuiltOnce, serializers.ModelSerializer):  # fields built once (issue 18)
    customer = serializers.SerializerMethodField()
    product = serializers.SerializerMethodField()
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    technician_name = serializers.SerializerMethodField()
    deadlines = _DeadlineList(child=DeadlineSerializer(), read_only=True)
    region = serializers.SerializerMethodField()
    # issue 6: in warranty, out of warranty or no proof, decided at creation (billing).
    entitlement = EntitlementSerializer(read_only=True, allow_null=True)
    # First-question responsibility (seeds/000): who owns the caller's issue now.
    owner = serializers.CharField(source="owner.username", default=None, read_only=True)

    class Meta:
        model = WorkOrder
        fields = [
            "id", "number", "kind", "state", "customer", "product", "category", "region", "description",
            "reported_at", "created_at", "external_ref", "technician", "technician_name", "dispatched_at",
            "appointment_at", "arrived_at", "promised_by", "resolution", "resolved_at", "signed_by",
            "satisfaction", "signed_off_at", "closed_at", "cancel_reason", "revisit_of", "repeat_repair",
            "free_of_charge", "owner", "deadlines", "entitlement",
        ]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        fields.update(hooks.answer_fields())  # what other apps add to the answer (tickets.hooks)
        return fields

    @extend_schema_field(
        {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                          "phone": {"type": "string"}, "address": {"type": "string"}}}
    )
    def get_customer(self, obj):
        # Privacy (seeds/001; contract: Retries, privacy, abuse): the phone full
        # or masked, and a partner sees what it sent, by servicedesk.customers.selectors.
        return customer_shown(phone_policy_for(self.context), obj, order=obj)

    def get_region(self, obj) -> str | None:
        if not obj.region_id:
            return None
        if phone_policy_for(self.context).partner and not customer_as_sent(obj.customer_as_sent)["address"]:
            return None  # derived from an address the partner did not send
        return obj.region.name

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_product(self, obj):
        # Privacy (contract: Retries, privacy, abuse): a partner sees the product as it sent it.
        return product_shown(phone_policy_for(self.context), obj)

    def get_technician_name(self, obj) -> str | None:
        return obj.technician.user.display_name if obj.technician_id else None


class WorkOrderEventSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = WorkOrderEvent
        fields = ["action", "from_state", "to_state", "by", "at", "note", "data"]
        read_only_fields = fields

    def get_by(self, obj) -> str | None:
        return obj.by.username if obj.by_id else None


class CandidateSerializer(serializers.Serializer):
    technician = serializers.IntegerField(source="technician.pk")
    username = serializers.CharField(source="technician.user.username")
    name = serializers.CharField(source="technician.user.display_name")
    region_match = serializers.BooleanField()
    workload = serializers.IntegerField()
