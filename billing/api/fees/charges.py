"""REST API of a work order's charges: its quote, the customer's acceptance,
the charge, payments and refunds. Thin: validate the input, call one
service in billing.services.fees, render."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.api import AwareDateTimeField
from servicedesk.core.errors import NotFound, PermissionDenied
from servicedesk.core.idempotency import IdempotentPostMixin

from ...models import Payment, Quote, QuoteLine, Refund
from ...orders import work_orders_visible_to
from ...selectors import fees as sel
from ...services import fees as services


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
    order = work_orders_visible_to(user).filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("No such work order."))
    return order


def _quote_response(order_id, code=status.HTTP_200_OK):
    quote = (Quote.objects.select_related("schedule")
             .prefetch_related("lines", "payments__refunds__by", "payments__by").get(order_id=order_id))
    return Response(QuoteSerializer(quote).data, status=code)


ERRORS = {400: OpenApiResponse(description="Field errors"),
          403: OpenApiResponse(description="The role may not do this"),
          404: OpenApiResponse(description="No such order (or quote) visible to this user"),
          409: OpenApiResponse(description="The state does not allow it: detail, state, allowed")}


class WorkOrderQuoteView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: QuoteSerializer, **ERRORS}, summary="The work order's quote and payments")
    def get(self, request, order_id):
        order = _order_for(request.user, order_id)
        if not sel.user_may_read_quote(request.user, order):
            raise PermissionDenied()
        if not Quote.objects.filter(order=order).exists():
            raise NotFound(_("This work order has no quote."))
        return _quote_response(order.pk)

    @extend_schema(request=QuoteInput, responses={200: QuoteSerializer, **ERRORS},
                   summary="Quote (or revise the quote) from the schedule in force; free lines where entitled")
    def post(self, request, order_id):
        order = _order_for(request.user, order_id)
        data = QuoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.quote_set(order_id=order.pk, by=request.user, lines=data.validated_data["lines"])
        return _quote_response(order.pk)


class WorkOrderQuoteAcceptView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=AcceptInput, responses={200: QuoteSerializer, **ERRORS},
                   summary="The customer accepts the quote shown (before the work)")
    def post(self, request, order_id):
        order = _order_for(request.user, order_id)
        data = AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.quote_accept(order_id=order.pk, by=request.user, **data.validated_data)
        return _quote_response(order.pk)


class WorkOrderQuoteChargeView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: QuoteSerializer, **ERRORS},
                   summary="Charge the accepted quote (a free one is settled at once)")
    def post(self, request, order_id):
        order = _order_for(request.user, order_id)
        services.quote_charge(order_id=order.pk, by=request.user)
        return _quote_response(order.pk)


class WorkOrderPaymentsView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PaymentInput, responses={201: PaymentSerializer, **ERRORS},
                   summary="Record a payment (cash or online) with its receipt or invoice number")
    def post(self, request, order_id):
        order = _order_for(request.user, order_id)
        data = PaymentInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_record(order_id=order.pk, by=request.user, **data.validated_data)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


def payments_visible_to(user):
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

    @extend_schema(request=RefundInput, responses={201: RefundSerializer, **ERRORS},
                   summary="Refund (part of) a payment: supervisors; never more than was paid")
    @action(detail=True, methods=["post"])
    def refunds(self, request, pk=None):
        payment = self.get_object()
        data = RefundInput(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_record(payment_id=payment.pk, by=request.user, **data.validated_data)
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
