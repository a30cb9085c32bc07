from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicedesk.accounts.models import Unit, User
from servicedesk.core.api import NotFutureDateTimeField
from servicedesk.customers.selectors import customer_shown, phone_policy_for
from servicedesk.deadlines.serializers import DeadlineSerializer
from technicians.models import Technician
from tickets.models import WorkOrder
from tickets.serializers import CustomerField, ProductInput

from .models import Complaint, ComplaintEvent, Finding


class RefField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("No such object: {pk_value}."),
        "incorrect_type": _("Give the id (a number)."),
    }


class ComplaintCreateInput(serializers.Serializer):
    customer = CustomerField()
    category = serializers.ChoiceField(choices=Complaint.Category.choices)
    description = serializers.CharField(max_length=4000)
    received_at = NotFutureDateTimeField(required=False)
    external = serializers.BooleanField(required=False, default=False)
    media = serializers.BooleanField(required=False, default=False)
    work_order = RefField(queryset=WorkOrder.objects.all(), required=False, allow_null=True)
    technician = RefField(queryset=Technician.objects.all(), required=False, allow_null=True)
    cause = serializers.ChoiceField(choices=Complaint.Cause.choices, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=Complaint.Source.choices, required=False)
    product = ProductInput(required=False, allow_null=True)
    external_ref = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def __init__(self, *args, work_orders=None, **kwargs):
        super().__init__(*args, **kwargs)
        if work_orders is not None:
            self.fields["work_order"].queryset = work_orders


class ForwardInput(serializers.Serializer):
    handling_unit = RefField(queryset=Unit.objects.all())
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReplyInput(serializers.Serializer):
    result = serializers.CharField(max_length=4000)
    investigation = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    head_signed_by = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ReturnVisitInput(serializers.Serializer):
    satisfied = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class EscalateInput(serializers.Serializer):
    complaint_class = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)


class CloseInput(serializers.Serializer):
    case_study = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    case_title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    improvement = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class CloseAtOnceInput(serializers.Serializer):
    result = serializers.CharField(max_length=4000)


class ComplaintReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ComplaintNoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class FindingInput(serializers.Serializer):
    person = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True),
                                          error_messages={"does_not_exist": _("No active user “{value}”.")})
    rule = serializers.CharField(max_length=2000)
    proposal = serializers.CharField(max_length=2000)


class DecisionInput(serializers.Serializer):
    decision = serializers.CharField(max_length=4000)


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "kind"]


class FindingSerializer(serializers.ModelSerializer):
    person = serializers.CharField(source="person.username")
    proposed_by = serializers.CharField(source="proposed_by.username")
    decided_by = serializers.CharField(source="decided_by.username", default=None)

    class Meta:
        model = Finding
        fields = ["id", "complaint", "person", "rule", "proposal", "proposed_by", "proposed_at", "state", "decision",
                  "decided_by", "decided_at"]
        read_only_fields = fields


class ComplaintSerializer(serializers.ModelSerializer):
    customer = serializers.SerializerMethodField()
    handling_unit = UnitRefSerializer(read_only=True)
    accepting_unit = UnitRefSerializer(read_only=True)
    owner = serializers.CharField(source="owner.username", default=None, read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True)
    case_study = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id", "number", "state", "category", "cause", "source", "complaint_class", "class_reason", "external",
            "media", "customer", "work_order", "technician", "description", "received_at", "created_at", "owner",
            "accepting_unit", "handling_unit", "forwarded_at", "investigation", "result", "head_signed_by",
            "replied_at", "satisfied", "return_visit_note", "return_visited_at", "disputes", "reject_reason",
            "improvement", "closed_at", "case_study", "external_ref", "deadlines",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                           "phone": {"type": "string"}, "address": {"type": "string"}}})
    def get_customer(self, obj):
        return customer_shown(phone_policy_for(self.context), obj)

    def get_case_study(self, obj) -> str | None:
        study = getattr(obj, "case_study", None)
        return study.body if study else None


class ComplaintEventSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", default=None)

    class Meta:
        model = ComplaintEvent
        fields = ["action", "from_state", "to_state", "by", "at", "note", "data"]
        read_only_fields = fields
