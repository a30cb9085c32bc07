"""`/api/v1/webhooks/`: a partner manages its own hooks and reads their
deliveries (contract: Partner webhooks)."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from servicedesk.accounts.roles import Role
from servicedesk.core.api import Pagination
from servicedesk.core.idempotency import IdempotentPostMixin

from . import delivery
from .models import EVENTS, Attempt, Delivery, Webhook
from .urlcheck import UrlRefused, check_url


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS), allow_empty=False)

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_url(self, value):
        try:
            check_url(value)
        except UrlRefused as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate_events(self, value):
        return sorted(set(value), key=EVENTS.index)


class WebhookCreatedSerializer(WebhookSerializer):
    """The create's answer: the only one that shows the secret."""

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookSerializer.Meta.read_only_fields, "secret"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["at", "status_code", "error", "duration_ms"]


class DeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="delivery_id", read_only=True)
    object = serializers.CharField(source="object_key", read_only=True)
    attempts = AttemptSerializer(source="tries", many=True, read_only=True)
    attempt_count = serializers.IntegerField(source="attempts", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "event", "object", "state", "attempt_count", "last_status", "last_error", "next_attempt_at",
                  "delivered_at", "created_at", "attempts"]


class IsPartner(permissions.IsAuthenticated):
    message = _("Only a partner system manages webhooks.")

    def has_permission(self, request, view):
        user = request.user
        return super().has_permission(request, view) and bool(user.partner_id) and user.has_role(Role.PARTNER)


class WebhookViewSet(IdempotentPostMixin, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = WebhookSerializer
    permission_classes = [IsPartner]
    pagination_class = Pagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    queryset = Webhook.objects.none()  # the schema's model; each request reads its own partner's

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Webhook.objects.none()
        return Webhook.objects.filter(partner_id=self.request.user.partner_id).order_by("id")

    @extend_schema(responses={201: WebhookCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = WebhookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hook = data.save(partner_id=request.user.partner_id, created_by=request.user)
        return Response(WebhookCreatedSerializer(hook).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        hook = self.get_object()
        page = self.paginate_queryset(hook.deliveries.prefetch_related("tries").order_by("-id"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        request=None, responses={202: DeliverySerializer, 404: OpenApiResponse(description="No such delivery")}
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9a-f-]{36})/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        hook = self.get_object()
        row = get_object_or_404(Delivery, webhook=hook, delivery_id=delivery_id)
        with transaction.atomic():
            row = delivery.redeliver(row)
        return Response(DeliverySerializer(Delivery.objects.prefetch_related("tries").get(pk=row.pk)).data,
                        status=status.HTTP_202_ACCEPTED)
