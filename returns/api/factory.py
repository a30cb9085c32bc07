"""REST API of returns to the factory and the provinces' return weeks
(docs/returns.md). Thin: validate, call one service, render."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from servicedesk.accounts.models import Unit
from servicedesk.core.api import AwareDateTimeField
from servicedesk.core.idempotency import IdempotentPostMixin
from servicedesk.deadlines.serializers import DeadlineSerializer

from .. import selectors, services
from ..models import FactoryReturn, FactoryReturnItem, ReturnWindow, window_days
from .common import EventSerializer, action_schema

_schema = action_schema


class FactoryItemInput(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    model = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    reason = serializers.CharField(max_length=300)


class FactoryReturnCreateInput(serializers.Serializer):
    office = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(kind=Unit.Kind.OFFICE, active=True),
                                                error_messages={"does_not_exist": _("No office with id {pk_value}.")})
    month = serializers.DateField(
        required=False, help_text="Any day of the month; stored as its first day. Default: this month."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    items = FactoryItemInput(many=True, allow_empty=False)


class FactoryNoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SpecialApprovalInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ShipInput(FactoryNoteInput):
    waybill = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class CountInput(serializers.Serializer):
    id = serializers.IntegerField()
    counted_quantity = serializers.IntegerField(min_value=0, max_value=1_000_000)
    condition = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CheckInput(FactoryNoteInput):
    items = CountInput(many=True, allow_empty=False)
    confirm = serializers.BooleanField(
        required=False, default=False,
        help_text="Confirms counts far from the declared quantities (more than twice or less than half); "
                  "without it such a count is a 400 naming items[n].counted_quantity")


class ItemDecisionInput(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=FactoryReturnItem.Decision.choices)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DecideInput(FactoryNoteInput):
    items = ItemDecisionInput(many=True, allow_empty=False)


class FactoryItemSerializer(serializers.ModelSerializer):
    decided_at = AwareDateTimeField(read_only=True)
    accepted_quantity = serializers.IntegerField(
        read_only=True, help_text="Logistics' count once checked, else the declared quantity"
    )

    class Meta:
        model = FactoryReturnItem
        fields = ["id", "line", "description", "model", "quantity", "reason", "counted_quantity", "condition",
                  "difference", "accepted_quantity", "decision", "decision_reason", "decided_at"]
        read_only_fields = fields


class FactoryReturnSerializer(serializers.ModelSerializer):
    office = serializers.SerializerMethodField()
    items = FactoryItemSerializer(many=True, read_only=True)
    signed_by = serializers.CharField(source="signed_by.username", default=None, read_only=True)
    approved_by = serializers.CharField(source="approved_by.username", default=None, read_only=True)
    special_approved_by = serializers.CharField(source="special_approved_by.username", default=None, read_only=True)
    window = serializers.SerializerMethodField()
    deadlines = DeadlineSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    signed_at = AwareDateTimeField(read_only=True)
    approved_at = AwareDateTimeField(read_only=True)
    shipped_at = AwareDateTimeField(read_only=True)
    arrived_at = AwareDateTimeField(read_only=True)
    checked_at = AwareDateTimeField(read_only=True)
    decided_at = AwareDateTimeField(read_only=True)
    closed_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = FactoryReturn
        fields = ["id", "number", "state", "office", "month", "window", "note", "items", "signed_by", "signed_at",
                  "approved_by", "approved_at", "special_approval", "special_approved_by", "rolled_over", "waybill",
                  "shipped_at", "arrived_at", "checked_at", "decided_at", "closed_at", "deadlines", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                           "province": {"type": "string"}}})
    def get_office(self, obj):
        return {"id": obj.office_id, "name": obj.office.name,
                "province": obj.office.region.province if obj.office.region_id else ""}

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "week": {"type": "integer"}, "first_day": {"type": "string", "format": "date"},
        "last_day": {"type": "string", "format": "date"}}})
    def get_window(self, obj):
        window = obj.window()
        if window is None:
            return None
        first, last = window_days(obj.month, window.week)
        return {"week": window.week, "first_day": first.isoformat(), "last_day": last.isoformat()}

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return selectors.factory_return_actions_for(request.user, obj) if request else []


class FactoryReturnFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=FactoryReturn.State.choices)
    office = django_filters.NumberFilter(field_name="office_id")
    month = django_filters.DateFilter(method="filter_month")

    class Meta:
        model = FactoryReturn
        fields = ["state", "office", "month"]

    def filter_month(self, qs, name, value):
        return qs.filter(month=value.replace(day=1))


class MayReadFactoryReturns(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        return super().has_permission(request, view) and selectors.user_may_read_factory_returns(request.user)


class FactoryReturnViewSet(
    IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """不良品返厂申请表: an office's monthly return to the factory."""

    serializer_class = FactoryReturnSerializer
    filterset_class = FactoryReturnFilter
    permission_classes = [MayReadFactoryReturns]
    queryset = FactoryReturn.objects.none()

    def get_queryset(self):
        return selectors.factory_returns_with_relations(selectors.factory_returns_visible_to(self.request.user))

    def _render(self, obj, code=status.HTTP_200_OK):
        obj = selectors.factory_returns_with_relations(FactoryReturn.objects.filter(pk=obj.pk)).get()
        return Response(self.get_serializer(obj).data, status=code)

    def _run(self, request, input_class, service):
        obj = self.get_object()
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        if "items" in v:
            v["items"] = [dict(i) for i in v["items"]]
        return self._render(service(factory_return_id=obj.pk, by=request.user, **v))

    @_schema(FactoryReturnCreateInput, "File an office's return application", FactoryReturnSerializer, 201)
    def create(self, request):
        data = FactoryReturnCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        v["items"] = [dict(i) for i in v["items"]]
        return self._render(services.factory_return_create(by=request.user, **v), status.HTTP_201_CREATED)

    @_schema(FactoryNoteInput, "Signed by the office or regional manager", FactoryReturnSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._run(request, FactoryNoteInput, services.factory_return_sign)

    @_schema(FactoryNoteInput, "Approved by customer service", FactoryReturnSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._run(request, FactoryNoteInput, services.factory_return_approve)

    @_schema(SpecialApprovalInput, "Special approval: ships outside the office's week", FactoryReturnSerializer)
    @action(detail=True, methods=["post"], url_path="special-approve")
    def special_approve(self, request, pk=None):
        return self._run(request, SpecialApprovalInput, services.factory_return_special_approve)

    @_schema(ShipInput, "Ship in the office's week (a missed window rolls it to next month: 409 with the new month)",
             FactoryReturnSerializer)
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        return self._run(request, ShipInput, services.factory_return_ship)

    @_schema(FactoryNoteInput, "Arrived at the factory: the check and decide deadlines start", FactoryReturnSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        return self._run(request, FactoryNoteInput, services.factory_return_arrive)

    @_schema(CheckInput, "Logistics' count and condition of every item (its count prevails)", FactoryReturnSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        return self._run(request, CheckInput, services.factory_return_check)

    @_schema(DecideInput, "Customer service decides items: exchange, credit or rejected with the reason",
             FactoryReturnSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        return self._run(request, DecideInput, services.factory_return_decide)

    @_schema(FactoryNoteInput, "Close a decided return", FactoryReturnSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._run(request, FactoryNoteInput, services.factory_return_close)

    @extend_schema(responses=EventSerializer(many=True), summary="History, oldest first")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        return Response(EventSerializer(selectors.factory_return_history(self.get_object()), many=True).data)


class ReturnWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReturnWindow
        fields = ["id", "place", "place_en", "week", "note"]
        read_only_fields = fields


class ReturnWindowViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The return-to-factory week of each province (edited in the admin)."""

    serializer_class = ReturnWindowSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = ReturnWindow.objects.all()
    pagination_class = None
    filterset_fields = ["week"]
