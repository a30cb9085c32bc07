"""REST API of the dispatch app (api-contract.md, v1 additions: "Dispatch
board" and "approved installations"). Thin: validate, call a selector or one
service, render."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.api import DayField
from servicedesk.core.errors import PermissionDenied
from servicedesk.core.idempotency import IdempotentPostMixin
from tickets.models import WorkOrder
from tickets.selectors import with_list_relations, work_orders_visible_to
from tickets.serializers import NoteInput, WorkOrderSerializer

from . import selectors, services


def _render_order(request, order):
    order = with_list_relations(WorkOrder.objects.filter(pk=order.pk)).get()
    return Response(WorkOrderSerializer(order, context={"request": request}).data)


class _Window(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class _Appointment(serializers.Serializer):
    work_order = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.CharField(help_text="The work order's kind")
    state = serializers.CharField(help_text="The work order's state")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class _ScheduleTechnician(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    station = serializers.CharField(allow_null=True)
    on_duty = serializers.BooleanField(help_text="Holds the day's 24-hour emergency duty (seeds/001)")
    shifts = _Window(many=True)
    appointments = _Appointment(many=True)
    open_orders = serializers.IntegerField()


class ScheduleAnswer(serializers.Serializer):
    date = serializers.DateField()
    technicians = _ScheduleTechnician(many=True)


class ScheduleQuery(serializers.Serializer):
    date = DayField(required=False)
    station = serializers.IntegerField(required=False, min_value=1)


class ScheduleView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="Local day, default today"),
                    OpenApiParameter("station", OpenApiTypes.INT, description="A station's unit id")],
        responses={200: ScheduleAnswer, 400: OpenApiResponse(description="Bad date or station"),
                   403: OpenApiResponse(description="Dispatchers, supervisors and managers only")},
        summary="The day's schedule of the technicians (the dispatch board)",
    )
    def get(self, request):
        if not selectors.user_may_see_board(request.user):
            raise PermissionDenied()
        query = ScheduleQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        return Response(selectors.schedule(day=day, station=query.validated_data.get("station")))


class ApproveView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=NoteInput,
        responses={200: WorkOrderSerializer, 400: OpenApiResponse(description="Field errors"),
                   403: OpenApiResponse(description="Supervisors and managers only"),
                   404: OpenApiResponse(description="No such order visible to this user"),
                   409: OpenApiResponse(description="Not awaiting approval: detail, state, allowed")},
        summary="Approve an installation (the responsible director): awaiting_approval -> received",
    )
    def post(self, request, pk):
        order = get_object_or_404(work_orders_visible_to(request.user), pk=pk)
        data = NoteInput(data=request.data, context={"action": "approve"})
        data.is_valid(raise_exception=True)
        order = services.work_order_approve(order_id=order.pk, by=request.user, note=data.validated_data["note"])
        return _render_order(request, order)


class _Reason(serializers.Serializer):
    code = serializers.CharField()
    ok = serializers.BooleanField()
    text = serializers.CharField()


class SuggestionSerializer(serializers.Serializer):
    technician = serializers.IntegerField(source="technician.pk")
    name = serializers.CharField(source="technician.user.display_name")
    station = serializers.CharField(source="technician.station.name", default=None)
    region_match = serializers.BooleanField()
    on_duty = serializers.BooleanField()
    in_shift = serializers.BooleanField()
    free_before_deadline = serializers.BooleanField()
    load_today = serializers.IntegerField()
    open_orders = serializers.IntegerField()
    reasons = serializers.SerializerMethodField()

    @extend_schema_field(_Reason(many=True))
    def get_reasons(self, obj):
        return [{"code": code, "ok": ok, "text": str(text)} for code, ok, text in obj.reasons]


class SuggestionsView(IdempotentPostMixin, APIView):
    """GET the ranked technicians; POST dispatches to the first."""

    permission_classes = [permissions.IsAuthenticated]

    def _order(self, request, pk):
        order = get_object_or_404(with_list_relations(work_orders_visible_to(request.user)), pk=pk)
        if not selectors.user_may_dispatch(request.user):
            raise PermissionDenied()
        return order

    @extend_schema(responses={200: SuggestionSerializer(many=True), 403: OpenApiResponse(description="Role"),
                              404: OpenApiResponse(description="No such order")},
                   summary="Eligible technicians for the order, ranked, with reasons")
    def get(self, request, pk):
        order = self._order(request, pk)
        return Response(SuggestionSerializer(selectors.suggestions(order=order), many=True).data)

    @extend_schema(request=None,
                   responses={200: WorkOrderSerializer, 400: OpenApiResponse(description="Nobody eligible"),
                              403: OpenApiResponse(description="Role"),
                              404: OpenApiResponse(description="No such order"),
                              409: OpenApiResponse(description="The state does not allow a dispatch")},
                   summary="Dispatch the order to the first suggestion")
    def post(self, request, pk):
        order = self._order(request, pk)
        return _render_order(request, services.dispatch_first_suggestion(order=order, by=request.user))


