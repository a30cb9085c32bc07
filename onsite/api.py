"""REST API of the on-site records (contract v1 additions: On site). Thin:
validate the input, call one service, answer."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.signatures import input_fields as signature_fields
from servicedesk.core.idempotency import IdempotentPostMixin
from tickets.api import MayReadWorkOrders
from tickets.selectors import work_orders_visible_to

from . import selectors, services


class ChecklistItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["check", "measure", "text"])
    stage = serializers.ChoiceField(choices=["before", "after"])
    required = serializers.BooleanField()
    unit = serializers.CharField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    value = serializers.JSONField(allow_null=True, help_text="true/false, a number or a text; null until recorded")
    passed = serializers.BooleanField(allow_null=True)
    recorded_at = serializers.DateTimeField(allow_null=True)
    recorded_by = serializers.CharField(allow_null=True)
    source = serializers.CharField(help_text="the document the item follows, e.g. seeds/001")


class ChecklistSerializer(serializers.Serializer):
    items = ChecklistItemSerializer(many=True)


class RecordInput(serializers.Serializer):
    code = serializers.CharField()
    value = serializers.JSONField()


class ChecklistInput(serializers.Serializer):
    items = RecordInput(many=True)


class RectificationInput(serializers.Serializer):
    hazards = serializers.CharField(max_length=4000)
    advice = serializers.CharField(max_length=4000)

    def get_fields(self):
        fields = super().get_fields()
        fields.update({name: make() for name, make in signature_fields().items()})
        return fields


class RectificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    hazards = serializers.CharField()
    advice = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    refused_reason = serializers.CharField(allow_null=True)


def notice_answer(notice) -> dict:
    signature = notice.signature
    return {"id": notice.pk, "hazards": notice.hazards, "advice": notice.advice,
            "signed_at": None if signature.refused else signature.recorded_at,
            "refused_reason": signature.refused_reason or None}


def checklist_answer(order) -> dict:
    return {"items": [selectors.item_answer(i) for i in services.checklist_start(order)]}


ERRORS = {403: OpenApiResponse(description="Not the assigned technician"),
          404: OpenApiResponse(description="No such order visible to this user"),
          409: OpenApiResponse(description="The state does not allow it: detail, code, state, allowed")}


class ChecklistView(IdempotentPostMixin, APIView):
    permission_classes = [MayReadWorkOrders]

    def _order(self, pk):
        return get_object_or_404(work_orders_visible_to(self.request.user), pk=pk)

    @extend_schema(responses={200: ChecklistSerializer, 404: ERRORS[404]}, summary="The order's checklist")
    def get(self, request, pk):
        return Response(ChecklistSerializer(checklist_answer(self._order(pk))).data)

    @extend_schema(request=ChecklistInput,
                   responses={200: ChecklistSerializer,
                              400: OpenApiResponse(description='{"items": {"<code>": ["message"]}}'), **ERRORS},
                   summary="Record checklist values (the assigned technician)")
    def post(self, request, pk):
        order = self._order(pk)
        values = request.data.get("items") if isinstance(request.data, dict) else None
        services.checklist_record(order_id=order.pk, by=request.user, values=values)
        return Response(ChecklistSerializer(checklist_answer(order)).data)


class RectificationView(IdempotentPostMixin, APIView):
    permission_classes = [MayReadWorkOrders]

    @extend_schema(request=RectificationInput,
                   responses={201: RectificationSerializer,
                              400: OpenApiResponse(description="Field errors (hazards, advice, signature)"), **ERRORS},
                   summary="The rectification notice the customer signs (整改建议书)")
    def post(self, request, pk):
        order = get_object_or_404(work_orders_visible_to(request.user), pk=pk)
        data = RectificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        notice, _created = services.rectification_create(
            order_id=order.pk, by=request.user, hazards=v["hazards"], advice=v["advice"],
            extra={"signature": v.get("signature", ""), "refused_reason": v.get("refused_reason", "")})
        return Response(RectificationSerializer(notice_answer(notice)).data, status=status.HTTP_201_CREATED)
