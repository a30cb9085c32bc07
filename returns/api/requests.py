"""REST API of returns (api-contract.md, Returns; docs/returns.md). Thin:
validate, call one service, render."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from servicedesk.accounts.roles import Role
from servicedesk.core.api import AwareDateTimeField, NotFutureDateTimeField
from servicedesk.core.errors import InvalidTransition, PermissionDenied
from servicedesk.core.idempotency import IdempotentPostMixin
from servicedesk.customers.models import Customer
from servicedesk.customers.selectors import customer_shown, phone_policy_for, product_shown
from servicedesk.deadlines.serializers import DeadlineSerializer
from technicians.models import Technician
from tickets.serializers import CategoryField, CustomerField

from .. import selectors, services
from ..models import RETURN_ACTIONS, Decision, RequestedBy, ReturnRequest, return_actions_allowed
from .common import EventSerializer, action_schema

# --- input ---------------------------------------------------------------------------


class ReturnProductInput(serializers.Serializer):
    category = CategoryField()
    model = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    serial = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    purchase_date = serializers.DateField(required=False, allow_null=True, default=None)
    manufactured_on = serializers.DateField(required=False, allow_null=True, default=None)
    proof_of_purchase = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def _not_future(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("Must not be in the future."))
        return value

    validate_purchase_date = _not_future
    validate_manufactured_on = _not_future


class ReturnCreateInput(serializers.Serializer):
    customer = CustomerField()
    product = ReturnProductInput()
    requested_by = serializers.ChoiceField(choices=RequestedBy.choices)
    reason = serializers.CharField(max_length=4000)
    requested_at = NotFutureDateTimeField(required=False)
    batch = serializers.BooleanField(required=False, default=False)
    batch_code = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=1)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "boolean"},
        "example": {"lights": False, "base_aged": False, "tube_greyed": False, "bridge_blackened": False},
    }
)
class FindingsField(serializers.DictField):
    pass


class AssessInput(serializers.Serializer):
    findings = FindingsField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class VisitInput(serializers.Serializer):
    confirmed = serializers.BooleanField()
    findings = FindingsField(required=False, default=dict)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AssignInput(serializers.Serializer):
    technician = serializers.PrimaryKeyRelatedField(
        queryset=Technician.objects.select_related("user"),
        error_messages={"does_not_exist": _("No technician with id {pk_value}.")})
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReturnNoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# --- output --------------------------------------------------------------------------


class ReturnSerializer(serializers.ModelSerializer):
    customer = serializers.SerializerMethodField()
    product = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    decision_reason = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner.username", default=None, read_only=True)
    technician = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The technician sent on site (batch disputes)"
    )
    requested_at = AwareDateTimeField(read_only=True)
    assessed_at = AwareDateTimeField(read_only=True)
    proposed_at = AwareDateTimeField(read_only=True)
    fulfilled_at = AwareDateTimeField(read_only=True)
    closed_at = AwareDateTimeField(read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = ReturnRequest
        fields = [
            "id", "number", "state", "requested_by", "customer", "product", "reason", "requested_at", "batch",
            "batch_code", "quantity", "technician", "findings", "decision", "decision_reason", "assessed_at",
            "transport_paid_by", "proposed_decision", "proposed_reason", "proposed_at", "fulfil_note", "fulfilled_at",
            "closed_at", "owner", "deadlines", "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                           "phone": {"type": "string"}, "address": {"type": "string"}}})
    def get_customer(self, obj):
        return customer_shown(phone_policy_for(self.context), obj)  # a partner sees what it sent

    @extend_schema_field({"type": "object", "properties": {
        "id": {"type": "integer"}, "category": {"type": "string"}, "model": {"type": "string"},
        "serial": {"type": "string"}, "purchase_date": {"type": "string", "format": "date", "nullable": True},
        "manufactured_on": {"type": "string", "format": "date", "nullable": True}}})
    def get_product(self, obj):
        return product_shown(phone_policy_for(self.context), obj, made=True)  # a partner sees what it sent

    @extend_schema_field({"type": "string", "enum": [*Decision.values], "nullable": True})
    def get_decision(self, obj):
        return obj.decision or None

    def get_decision_reason(self, obj) -> str:
        return obj.reason_told

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return selectors.return_actions_for(request.user, obj) if request else []


class ReturnFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ReturnRequest.State.choices)
    requested_by = django_filters.ChoiceFilter(choices=RequestedBy.choices)
    category = django_filters.CharFilter(field_name="product__category__slug")
    decision = django_filters.ChoiceFilter(choices=Decision.choices)
    batch = django_filters.BooleanFilter()
    technician = django_filters.NumberFilter(field_name="technician_id")

    class Meta:
        model = ReturnRequest
        fields = ["state", "requested_by", "category", "decision", "batch", "technician"]


class MayReadReturns(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        return super().has_permission(request, view) and selectors.user_may_read_returns(request.user)


def _schema(request_serializer, summary, response=None, code=200):
    return action_schema(request_serializer, summary, response or ReturnSerializer, code)


class ReturnViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReturnSerializer
    filterset_class = ReturnFilter
    permission_classes = [MayReadReturns]
    queryset = ReturnRequest.objects.none()

    def get_queryset(self):
        return selectors.returns_with_relations(selectors.returns_visible_to(self.request.user))

    def _render(self, obj, code=status.HTTP_200_OK):
        obj = selectors.returns_with_relations(ReturnRequest.objects.filter(pk=obj.pk)).get()
        return Response(self.get_serializer(obj).data, status=code)

    def _run(self, request, input_class, service):
        obj = self.get_object()
        # The state first: an action the state does not allow is a 409 whatever the body (contract).
        name, allowed = self.action.replace("_", "-"), return_actions_allowed(obj)
        if name in RETURN_ACTIONS and name not in allowed:
            raise InvalidTransition(action=name, state=obj.state, state_label=obj.get_state_display(), allowed=allowed)
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(service(return_id=obj.pk, by=request.user, **data.validated_data))

    @_schema(ReturnCreateInput, "Record a return (consumer or dealer; a dealer's batch dispute)", code=201)
    def create(self, request):
        user = request.user
        if not selectors.user_may_create_returns(user):
            raise PermissionDenied()
        customers = Customer.objects.all()
        if user.roles == {Role.PARTNER}:
            customers = customers.filter(returns__partner_id=user.partner_id).distinct()
        data = ReturnCreateInput(data=request.data, context={"customers_queryset": customers})
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        v["product"] = dict(v["product"])
        return self._render(services.return_create(by=user, **v), status.HTTP_201_CREATED)

    @_schema(AssessInput, "Assess by the category's rules: decision and the reason the customer is told")
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        return self._run(request, AssessInput, services.return_assess)

    @_schema(VisitInput, "Batch-quality dispute: the technician's finding on site")
    @action(detail=True, methods=["post"])
    def visit(self, request, pk=None):
        return self._run(request, VisitInput, services.return_visit)

    @_schema(AssignInput, "Batch-quality dispute: send a technician on site (again to replace the first)")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._run(request, AssignInput, services.return_assign)

    @_schema(ReturnNoteInput, "The customer accepts the exchange proposed for a late depot repair")
    @action(detail=True, methods=["post"], url_path="accept-exchange")
    def accept_exchange(self, request, pk=None):
        return self._run(request, ReturnNoteInput, services.return_accept_exchange)

    @_schema(ReturnNoteInput, "Fulfilled: exchanged, refunded or repaired and handed back")
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        return self._run(request, ReturnNoteInput, services.return_fulfil)

    @_schema(ReturnNoteInput, "Close a fulfilled or rejected return")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._run(request, ReturnNoteInput, services.return_close)

    @extend_schema(responses=EventSerializer(many=True), summary="History, oldest first")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        return Response(EventSerializer(selectors.return_history(self.get_object()), many=True).data)
