"""REST API of warranty entitlement, the fee schedule, quotes, payments,
refunds and parts stock (docs/billing.md, docs/api.md). Thin: validate the
input, call one service in billing.services.fees, render."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.api import AwareDateTimeField
from servicedesk.core.errors import NotFound, PermissionDenied
from servicedesk.core.idempotency import IdempotentPostMixin
from servicedesk.customers.models import ProductCategory

from ..models import (
    FeeItem, FeeSchedule, PartPrice, Payment, Quote, QuoteLine, Refund, StockItem, StockMovement, WarrantyTerm,
    WorkOrderEntitlement,
)
from ..selectors import fees as sel
from ..services import fees as services
from ..services.fees import STOCK_QUANTITY_MAX

# --- entitlement -----------------------------------------------------------------


class EntitlementSerializer(serializers.ModelSerializer):
    """The work order's entitlement, as the work-order API shows it (field `entitlement`)."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    decided_at = AwareDateTimeField(read_only=True)
    components = serializers.JSONField(read_only=True)

    class Meta:
        model = WorkOrderEntitlement
        fields = ["status", "status_label", "basis", "requested_by", "term_months", "term_days", "expires_on",
                  "repair_of", "components", "decided_on", "decided_at", "reason"]
        read_only_fields = fields


class EntitlementPreviewInput(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=ProductCategory.objects.filter(active=True))
    purchase_date = serializers.DateField(required=False, allow_null=True, default=None)
    manufactured_on = serializers.DateField(required=False, allow_null=True, default=None)
    proof_of_purchase = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    requested_by = serializers.ChoiceField(choices=WarrantyTerm.AppliesTo.choices, required=False,
                                           default=WarrantyTerm.AppliesTo.CONSUMER)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class EntitlementPreviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WorkOrderEntitlement.Status.choices)
    status_label = serializers.CharField()
    basis = serializers.CharField()
    requested_by = serializers.CharField()
    term_months = serializers.IntegerField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    components = serializers.JSONField()
    decided_on = serializers.DateField()
    reason = serializers.CharField()


class StaffOnly(permissions.IsAuthenticated):
    """Signed-in users of the organisation (partners and switches are not served here)."""

    def has_permission(self, request, view):
        from servicedesk.accounts.roles import Role

        user = request.user
        return super().has_permission(request, view) and not (
            user.roles and user.roles <= {Role.PARTNER, Role.TELEPHONY})


class EntitlementPreviewView(APIView):
    permission_classes = [StaffOnly]

    @extend_schema(parameters=[EntitlementPreviewInput], responses=EntitlementPreviewSerializer,
                   summary="Entitlement at intake: in warranty, out of warranty or no proof, before the order exists")
    def get(self, request):
        data = EntitlementPreviewInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        decision = sel.entitlement_preview(**data.validated_data)
        return Response(decision.as_dict())


# --- fee schedule ------------------------------------------------------------------


class FeeItemSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = FeeItem
        fields = ["code", "name", "category", "price"]


class PartPriceSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = PartPrice
        fields = ["code", "name", "category", "component", "price"]


class FeeScheduleListSerializer(serializers.ModelSerializer):
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = FeeSchedule
        fields = ["id", "version", "title", "effective_from", "effective_to", "published", "in_force"]

    def get_in_force(self, obj) -> bool:
        return obj.pk == self.context.get("in_force_id")


class FeeScheduleSerializer(FeeScheduleListSerializer):
    labour = FeeItemSerializer(many=True, read_only=True)
    parts = PartPriceSerializer(many=True, read_only=True)

    class Meta(FeeScheduleListSerializer.Meta):
        fields = FeeScheduleListSerializer.Meta.fields + ["labour", "parts"]


class FeeScheduleViewSet(viewsets.ReadOnlyModelViewSet):
    """The public fee schedule (seeds/001, seeds/003): published versions, readable by every signed-in user."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "version"
    pagination_class = None
    queryset = FeeSchedule.objects.none()

    def get_queryset(self):
        return sel.schedules_visible_to(self.request.user).prefetch_related("labour__category", "parts__category")

    def get_serializer_class(self):
        return FeeScheduleListSerializer if self.action == "list" else FeeScheduleSerializer

    def get_serializer_context(self):
        in_force = sel.schedule_in_force()
        return {**super().get_serializer_context(), "in_force_id": in_force.pk if in_force else None}

    @extend_schema(
        parameters=[OpenApiParameter("on", str, description="date (YYYY-MM-DD), default today")],
        responses={200: FeeScheduleSerializer, 404: OpenApiResponse(description="No schedule in force")},
        summary="The schedule in force on a date",
    )
    @action(detail=False, methods=["get"])
    def current(self, request):
        on = serializers.DateField(required=False).run_validation(request.query_params.get("on") or None) \
            if request.query_params.get("on") else None
        schedule = sel.schedule_in_force(on)
        if schedule is None:
            raise NotFound(_("No fee schedule is in force."))
        return Response(FeeScheduleSerializer(schedule, context=self.get_serializer_context()).data)


# --- quotes, payments, refunds --------------------------------------------------------


class QuoteLineInput(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    quantity = serializers.IntegerField(min_value=1, max_value=999, default=1)


class QuoteInput(serializers.Serializer):
    lines = QuoteLineInput(many=True)


class AcceptInput(serializers.Serializer):
    accepted_by = serializers.CharField(max_length=100, help_text="The customer who accepts the quote shown")


class PaymentInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    receipt_number = serializers.CharField(max_length=50, help_text="Receipt or invoice number (required, unique)")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                      help_text="Online payment reference (required for online)")


class RefundInput(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField(max_length=2000)


class QuoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = ["position", "kind", "code", "name", "unit_price", "quantity", "amount", "free", "free_reason"]


class RefundSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)
    at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "amount", "reason", "by", "at"]


class PaymentSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)
    at = AwareDateTimeField(read_only=True)
    work_order = serializers.IntegerField(source="quote.order_id", read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = ["id", "work_order", "method", "amount", "reference", "receipt_number", "by", "at", "refunds",
                  "receipt_url"]

    def get_receipt_url(self, obj) -> str:
        return reverse("billing-receipt", args=[obj.pk])


class QuoteSerializer(serializers.ModelSerializer):
    schedule = serializers.CharField(source="schedule.version", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    lines = QuoteLineSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    paid = serializers.SerializerMethodField()
    refunded = serializers.SerializerMethodField()
    due = serializers.SerializerMethodField()
    accepted_at = AwareDateTimeField(read_only=True)
    charged_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Quote
        fields = ["id", "order", "state", "state_label", "schedule", "rule", "repair_fee_percent",
                  "entitlement_status", "lines", "parts_total", "labour_total", "repair_fee", "total", "paid",
                  "refunded", "due", "accepted_by_name", "accepted_at", "charged_at", "payments"]

    def _money(self, obj):
        if not hasattr(obj, "_money"):
            obj._money = sel.quote_money(obj)
        return obj._money

    def get_paid(self, obj) -> str:
        return str(self._money(obj)["paid"])

    def get_refunded(self, obj) -> str:
        return str(self._money(obj)["refunded"])

    def get_due(self, obj) -> str:
        return str(self._money(obj)["due"])


def _order_for(user, order_id):
    from tickets.selectors import work_orders_visible_to

    order = work_orders_visible_to(user).filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("No such work order."))
    return order


def _quote_response(order_id, code=status.HTTP_200_OK):
    quote = (Quote.objects.select_related("schedule")
             .prefetch_related("lines", "payments__refunds__by", "payments__by").get(order_id=order_id))
    return Response(QuoteSerializer(quote).data, status=code)


_ERRORS = {400: OpenApiResponse(description="Field errors"),
           403: OpenApiResponse(description="The role may not do this"),
           404: OpenApiResponse(description="No such order (or quote) visible to this user"),
           409: OpenApiResponse(description="The state does not allow it: detail, state, allowed")}


class WorkOrderQuoteView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: QuoteSerializer, **_ERRORS}, summary="The work order's quote and payments")
    def get(self, request, order_id):
        order = _order_for(request.user, order_id)
        if not sel.user_may_read_quote(request.user, order):
            raise PermissionDenied()
        if not Quote.objects.filter(order=order).exists():
            raise NotFound(_("This work order has no quote."))
        return _quote_response(order.pk)

    @extend_schema(request=QuoteInput, responses={200: QuoteSerializer, **_ERRORS},
                   summary="Quote (or revise the quote) from the schedule in force; free lines where entitled")
    def post(self, request, order_id):
        order = _order_for(request.user, order_id)
        data = QuoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.quote_set(order_id=order.pk, by=request.user, lines=data.validated_data["lines"])
        return _quote_response(order.pk)


class WorkOrderQuoteAcceptView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=AcceptInput, responses={200: QuoteSerializer, **_ERRORS},
                   summary="The customer accepts the quote shown (before the work)")
    def post(self, request, order_id):
        order = _order_for(request.user, order_id)
        data = AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.quote_accept(order_id=order.pk, by=request.user, **data.validated_data)
        return _quote_response(order.pk)


class WorkOrderQuoteChargeView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: QuoteSerializer, **_ERRORS},
                   summary="Charge the accepted quote (a free one is settled at once)")
    def post(self, request, order_id):
        order = _order_for(request.user, order_id)
        services.quote_charge(order_id=order.pk, by=request.user)
        return _quote_response(order.pk)


class WorkOrderPaymentsView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PaymentInput, responses={201: PaymentSerializer, **_ERRORS},
                   summary="Record a payment (cash or online) with its receipt or invoice number")
    def post(self, request, order_id):
        order = _order_for(request.user, order_id)
        data = PaymentInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_record(order_id=order.pk, by=request.user, **data.validated_data)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


def payments_visible_to(user):
    from tickets.selectors import work_orders_visible_to

    qs = Payment.objects.select_related("by", "quote").prefetch_related("refunds__by")
    if not user.is_authenticated or not (user.has_role(*sel.QUOTE_READ_ROLES) or hasattr(user, "technician")):
        return qs.none()
    return qs.filter(quote__order__in=work_orders_visible_to(user))


class PaymentViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PaymentSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Payment.objects.none()

    def get_queryset(self):
        return payments_visible_to(self.request.user).order_by("-at", "-id")

    @extend_schema(request=RefundInput, responses={201: RefundSerializer, **_ERRORS},
                   summary="Refund (part of) a payment: supervisors; never more than was paid")
    @action(detail=True, methods=["post"])
    def refunds(self, request, pk=None):
        payment = self.get_object()
        data = RefundInput(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_record(payment_id=payment.pk, by=request.user, **data.validated_data)
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


# --- parts stock ---------------------------------------------------------------


class StockItemSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    is_low = serializers.BooleanField(read_only=True)

    class Meta:
        model = StockItem
        fields = ["id", "unit", "unit_name", "part_code", "name", "quantity", "defective", "low_threshold", "is_low"]


class StockMovementInput(serializers.Serializer):
    unit = serializers.IntegerField(help_text="The service point (a station or office)")
    part_code = serializers.CharField(max_length=30)
    kind = serializers.ChoiceField(choices=StockMovement.Kind.choices)
    quantity = serializers.IntegerField(
        min_value=-STOCK_QUANTITY_MAX, max_value=STOCK_QUANTITY_MAX,
        help_text=f"Parts moved, 1..{STOCK_QUANTITY_MAX} (an adjustment may be negative, down to -{STOCK_QUANTITY_MAX})")
    work_order = serializers.IntegerField(required=False, allow_null=True, default=None,
                                          help_text="Required for consumption")
    defective_returned = serializers.BooleanField(required=False, default=True,
                                                  help_text="Consumption: the old part is taken back for the swap")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class StockMovementSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="item.unit_id", read_only=True)
    part_code = serializers.CharField(source="item.part_code", read_only=True)
    by = serializers.CharField(source="by.username", read_only=True)
    at = AwareDateTimeField(read_only=True)

    class Meta:
        model = StockMovement
        fields = ["id", "unit", "part_code", "kind", "quantity_change", "defective_change", "quantity_after",
                  "order", "note", "by", "at"]


class MayReadStock(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        return super().has_permission(request, view) and sel.user_may_read_stock(request.user)


class StockItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Parts stock per service point; `?unit=` one point, `?low=true` the low-stock list."""

    serializer_class = StockItemSerializer
    permission_classes = [MayReadStock]
    queryset = StockItem.objects.none()

    def get_queryset(self):
        qs = sel.stock_visible_to(self.request.user)
        unit = self.request.query_params.get("unit")
        if unit:
            qs = qs.filter(unit_id=unit) if unit.isdigit() else qs.none()
        if self.request.query_params.get("low") in ("1", "true", "yes"):
            qs = qs.filter(pk__in=sel.low_stock(self.request.user).values("pk"))
        return qs.order_by("unit__name", "part_code")

    @extend_schema(parameters=[OpenApiParameter("unit", int), OpenApiParameter("low", bool)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class StockMovementView(IdempotentPostMixin, APIView):
    permission_classes = [MayReadStock]

    @extend_schema(request=StockMovementInput, responses={201: StockMovementSerializer, **_ERRORS},
                   summary="Receipt, consumption on a work order, old-for-new swap or adjustment; never below 0")
    def post(self, request):
        data = StockMovementInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        movement = services.stock_move(
            unit_id=v["unit"], part_code=v["part_code"], kind=v["kind"], quantity=v["quantity"], by=request.user,
            order_id=v["work_order"], note=v["note"], defective_returned=v["defective_returned"], name=v["name"],
        )
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)


def register(router):
    router.register("billing/fee-schedules", FeeScheduleViewSet, basename="fee-schedule")
    router.register("billing/payments", PaymentViewSet, basename="payment")
    router.register("stock/items", StockItemViewSet, basename="stock-item")


urlpatterns = [
    path("billing/entitlement-preview/", EntitlementPreviewView.as_view(), name="api-entitlement-preview"),
    path("billing/work-orders/<int:order_id>/quote/", WorkOrderQuoteView.as_view(), name="api-quote"),
    path("billing/work-orders/<int:order_id>/quote/accept/", WorkOrderQuoteAcceptView.as_view(),
         name="api-quote-accept"),
    path("billing/work-orders/<int:order_id>/quote/charge/", WorkOrderQuoteChargeView.as_view(),
         name="api-quote-charge"),
    path("billing/work-orders/<int:order_id>/payments/", WorkOrderPaymentsView.as_view(), name="api-payments"),
    path("stock/movements/", StockMovementView.as_view(), name="api-stock-movements"),
]
