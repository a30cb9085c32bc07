"""REST API of the public fee schedule (seeds/001, seeds/003)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from servicedesk.core.errors import NotFound

from ...models import FeeItem, FeeSchedule, PartPrice
from ...selectors import fees as sel


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
        parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="date (YYYY-MM-DD), default today")],
        responses={200: FeeScheduleSerializer, 404: OpenApiResponse(description="No schedule in force")},
        summary="The schedule in force on a date",
    )
    @action(detail=False, methods=["get"])
    def current(self, request):
        on = request.query_params.get("on") or None
        if on is not None:
            try:
                on = serializers.DateField().run_validation(on)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"on": exc.detail}) from exc  # a 400 naming the parameter
        schedule = sel.schedule_in_force(on)
        if schedule is None:
            raise NotFound(_("No fee schedule is in force."))
        return Response(FeeScheduleSerializer(schedule, context=self.get_serializer_context()).data)
