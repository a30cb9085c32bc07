"""REST API of the parts stock at the service points (seeds/004)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.api import AwareDateTimeField
from servicedesk.core.idempotency import IdempotentPostMixin

from ...models import StockItem, StockMovement
from ...selectors import fees as sel
from ...services import fees as services
from ...services.fees import STOCK_QUANTITY_MAX
from .charges import ERRORS


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
        min_value=-STOCK_QUANTITY_MAX,
        max_value=STOCK_QUANTITY_MAX,
        help_text=f"Parts moved, 1..{STOCK_QUANTITY_MAX} "
        f"(an adjustment may be negative, down to -{STOCK_QUANTITY_MAX})",
    )
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

    @extend_schema(request=StockMovementInput, responses={201: StockMovementSerializer, **ERRORS},
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
