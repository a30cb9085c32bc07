"""Input and output shapes of the calls API (api-contract.md, Calls)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicedesk.accounts.models import User
from servicedesk.core.api import AwareDateTimeField, NotFutureDateTimeField
from servicedesk.customers.models import Customer
from servicedesk.customers.selectors import phone_policy_for
from servicedesk.deadlines.serializers import DeadlineSerializer

from .models import Call, Callback, CallEvent, CallLink, CallTransition, Inquiry


class UsernameField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("No active user “{value}”."),
        "invalid": _("Give the username."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=User.objects.filter(is_active=True), **kwargs)


class CallEventInput(serializers.Serializer):
    call_id = serializers.CharField(max_length=100)
    event = serializers.ChoiceField(choices=CallEvent.Event.choices)
    at = NotFutureDateTimeField()
    caller = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    agent = UsernameField(required=False, allow_null=True, default=None)


class CallOpenInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=[c for c in Call.Channel.choices if c[0] != Call.Channel.PHONE])
    caller = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True, default=None,
        error_messages={"does_not_exist": _("No such customer: {pk_value}.")},
    )
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class CallHandOverInput(serializers.Serializer):
    to = UsernameField()
    note = serializers.CharField(max_length=2000)


class CallNoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CallCloseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CallbackCompleteInput(serializers.Serializer):
    reached = serializers.BooleanField()
    note = serializers.CharField(max_length=2000)


class InquiryInput(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    answer = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class LinkInput(serializers.Serializer):
    TYPES = {"work_order": "tickets.workorder", "complaint": "complaints.complaint", "inquiry": "calls.inquiry"}
    type = serializers.ChoiceField(choices=list(TYPES))
    id = serializers.IntegerField(min_value=1)


def _username(user):
    return user.username if user is not None else None


class CallbackBriefSerializer(serializers.ModelSerializer):
    """The contract's `callback`: {"id", "state", "deadlines"} and a little more."""

    deadlines = DeadlineSerializer(many=True, read_only=True)
    assigned_to = serializers.SerializerMethodField()

    class Meta:
        model = Callback
        fields = ["id", "state", "deadlines", "assigned_to", "attempts", "outcome", "missed_calls"]
        read_only_fields = fields

    def get_assigned_to(self, obj) -> str | None:
        return _username(obj.assigned_to)


class CallSerializer(serializers.ModelSerializer):
    caller = serializers.SerializerMethodField()
    agent = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    offered_to = serializers.SerializerMethodField()
    rang_at = AwareDateTimeField(read_only=True)
    answered_at = AwareDateTimeField(read_only=True)
    ended_at = AwareDateTimeField(read_only=True)
    answer_seconds = serializers.FloatField(read_only=True, allow_null=True)
    within_three_rings = serializers.BooleanField(read_only=True, allow_null=True)
    callback = serializers.SerializerMethodField()
    deadlines = DeadlineSerializer(many=True, read_only=True)

    class Meta:
        model = Call
        fields = ["call_id", "state", "caller", "agent", "rang_at", "answered_at", "answer_seconds",
                  "within_three_rings", "callback", "deadlines", "channel", "owner", "offered_to", "customer",
                  "ended_at", "created_at"]
        read_only_fields = fields

    def get_caller(self, obj) -> str:
        return phone_policy_for(self.context).phone(obj.caller, customer=obj.customer_id)

    def get_agent(self, obj) -> str | None:
        return _username(obj.agent)

    def get_owner(self, obj) -> str | None:
        return _username(obj.owner)

    def get_offered_to(self, obj) -> str | None:
        return _username(obj.offered_to)

    @extend_schema_field(CallbackBriefSerializer(allow_null=True))
    def get_callback(self, obj):
        # A call added to its number's open callback shows that one (issue 13 item 7).
        callback = obj.callback if _has_callback(obj) else obj.joined_callback
        return CallbackBriefSerializer(callback).data if callback is not None else None


class SwitchCallSerializer(CallSerializer):
    """The call as the telephone switch is answered: no customer data or ids
    (contract: Retries, privacy, abuse); `caller` is the number it reported,
    masked by the one privacy rule."""

    class Meta(CallSerializer.Meta):
        fields = [f for f in CallSerializer.Meta.fields if f != "customer"]
        read_only_fields = fields


def _has_callback(call) -> bool:
    try:
        return call.callback is not None
    except Callback.DoesNotExist:
        return False


class CallbackSerializer(serializers.ModelSerializer):
    deadlines = DeadlineSerializer(many=True, read_only=True)
    call_id = serializers.CharField(source="call.call_id", read_only=True)
    caller = serializers.SerializerMethodField()
    customer = serializers.IntegerField(source="call.customer_id", read_only=True, allow_null=True)
    rang_at = AwareDateTimeField(source="call.rang_at", read_only=True)
    assigned_to = serializers.SerializerMethodField()
    created_at = AwareDateTimeField(read_only=True)
    taken_at = AwareDateTimeField(read_only=True)
    closed_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Callback
        fields = ["id", "state", "deadlines", "call_id", "caller", "customer", "rang_at", "assigned_to", "attempts",
                  "outcome", "note", "created_at", "taken_at", "closed_at", "missed_calls"]
        read_only_fields = fields

    def get_caller(self, obj) -> str:
        return phone_policy_for(self.context).phone(obj.call.caller, customer=obj.call.customer_id)

    def get_assigned_to(self, obj) -> str | None:
        return _username(obj.assigned_to)


class CallTransitionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", default=None)
    callback = serializers.IntegerField(source="callback_id", allow_null=True)

    class Meta:
        model = CallTransition
        fields = ["action", "from_state", "to_state", "by", "at", "note", "data", "callback"]
        read_only_fields = fields


class CallLinkSerializer(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()
    id = serializers.IntegerField(source="object_id")
    label = serializers.SerializerMethodField()
    by = serializers.CharField(source="by.username")

    class Meta:
        model = CallLink
        fields = ["type", "id", "label", "by", "at"]
        read_only_fields = fields

    def get_type(self, obj) -> str:
        label = f"{obj.content_type.app_label}.{obj.content_type.model}"
        return {v: k for k, v in LinkInput.TYPES.items()}.get(label, label)

    def get_label(self, obj) -> str:
        loaded = getattr(obj, "loaded", None)
        return str(loaded) if loaded is not None else f"#{obj.object_id}"


class InquirySerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username")
    call_id = serializers.CharField(source="call.call_id", default=None)

    class Meta:
        model = Inquiry
        fields = ["id", "call_id", "customer", "text", "answer", "by", "created_at"]
        read_only_fields = fields
