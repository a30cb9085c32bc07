"""REST API for work orders (api-contract.md, Work orders). Thin: validate
the input, call one service, render the order."""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from servicedesk.accounts.roles import Role
from servicedesk.core.errors import PermissionDenied
from servicedesk.core.idempotency import IdempotentPostMixin
from servicedesk.customers.models import Customer

from . import hooks, selectors, services
from .models import WorkOrder
from .serializers import (
    CandidateSerializer,
    CheckInInput,
    DispatchInput,
    HandOverInput,
    NoteInput,
    ReasonInput,
    ResolveInput,
    ReturnInput,
    RevisitInput,
    ScheduleInput,
    SignOffInput,
    TakeBackInput,
    WorkOrderCreateInput,
    WorkOrderEventSerializer,
    WorkOrderSerializer,
)


class WorkOrderFilter(django_filters.FilterSet):
    # distinct=False: these filter on the order's own columns, no join can
    # repeat a row, and django-filter's default DISTINCT makes PostgreSQL sort
    # every matching row before the first page (bench/README.md).
    state = django_filters.MultipleChoiceFilter(choices=WorkOrder.State.choices, distinct=False)
    kind = django_filters.MultipleChoiceFilter(choices=WorkOrder.Kind.choices, distinct=False)
    technician = django_filters.NumberFilter(field_name="technician_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue")
    number = django_filters.CharFilter(field_name="number")
    external_ref = django_filters.CharFilter(field_name="external_ref")
    q = django_filters.CharFilter(method="filter_q", label="number, customer name or phone")

    class Meta:
        model = WorkOrder
        fields = ["state", "kind", "technician", "overdue", "number", "external_ref", "q"]

    def filter_overdue(self, qs, name, value):
        condition = selectors.overdue_condition()
        return qs.filter(condition) if value else qs.exclude(condition)

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(number=value) | Q(customer__phones__number=value) | Q(customer__name__icontains=value)
        ).distinct()


def _action_schema(request_serializer, summary, response=WorkOrderSerializer, code=200):
    return extend_schema(
        request=request_serializer,
        responses={code: response, 400: OpenApiResponse(description="Field errors"),
                   403: OpenApiResponse(description="The role may not take this action"),
                   404: OpenApiResponse(description="No such order visible to this user"),
                   409: OpenApiResponse(description="The state does not allow it: detail, state, allowed")},
        summary=summary,
    )


class MayReadWorkOrders(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        return super().has_permission(request, view) and selectors.user_may_read_work_orders(request.user)


class WorkOrderViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = WorkOrderSerializer
    permission_classes = [MayReadWorkOrders]
    filterset_class = WorkOrderFilter
    queryset = WorkOrder.objects.none()

    def get_queryset(self):
        return selectors.with_list_relations(selectors.work_orders_visible_to(self.request.user))

    @extend_schema(
        request=WorkOrderCreateInput,
        responses={
            201: WorkOrderSerializer,
            200: OpenApiResponse(WorkOrderSerializer, description="Existing order with this external_ref"),
        },
        summary="Create a work order",
    )
    def create(self, request):
        user = request.user
        if not selectors.user_may_create_work_orders(user):
            raise PermissionDenied()
        customers = Customer.objects.all()
        if user.roles == {Role.PARTNER}:
            # A partner may refer by id only to customers of its own orders.
            customers = customers.filter(work_orders__partner_id=user.partner_id).distinct()
        data = WorkOrderCreateInput(data=request.data, context={"customers_queryset": customers})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        order, created = services.work_order_create(
            by=user, kind=v["kind"], customer=v["customer"], description=v["description"],
            reported_at=v.get("reported_at"), product=v.get("product"), external_ref=v.get("external_ref", ""),
        )
        if not created:
            return self._render(order)
        # The new order as the service left it in memory: its relations are
        # the objects the service wrote or read, so only the deadlines, phones
        # and entitlement are read again, not the order with its nine
        # relations (bench/create_load.py; tests: the 201 body equals a GET).
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED)

    def _render(self, order, code=status.HTTP_200_OK):
        order = selectors.with_list_relations(WorkOrder.objects.filter(pk=order.pk)).get()
        return Response(self.get_serializer(order).data, status=code)

    def _run(self, request, input_class, service, action):
        order = self.get_object()  # 404 unless visible
        data = input_class(data=request.data, context={"action": action, "request": request})
        data.is_valid(raise_exception=True)
        kwargs, extra = hooks.split_extra(action, dict(data.validated_data))
        if extra:
            kwargs["extra"] = extra  # the fields other apps added to this action (tickets.hooks)
        return service(order_id=order.pk, by=request.user, **kwargs)

    @_action_schema(DispatchInput, "Dispatch to a technician (dispatcher, supervisor)")
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_to(self, request, pk=None):  # not "dispatch": that name is APIView's entry point
        return self._render(self._run(request, DispatchInput, services.work_order_dispatch, "dispatch"))

    @_action_schema(ReasonInput, "Decline a dispatch (the assigned technician)")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._render(self._run(request, ReasonInput, services.work_order_decline, "decline"))

    @_action_schema(NoteInput, "Accept a dispatch (the assigned technician)")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._render(self._run(request, NoteInput, services.work_order_accept, "accept"))

    @_action_schema(ScheduleInput, "Record the appointment agreed with the customer")
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        return self._render(self._run(request, ScheduleInput, services.work_order_schedule, "schedule"))

    @_action_schema(CheckInInput, "The technician arrived on site")
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        return self._render(self._run(request, CheckInInput, services.work_order_check_in, "check-in"))

    @_action_schema(ResolveInput, "Fixed on the spot")
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._render(self._run(request, ResolveInput, services.work_order_resolve, "resolve"))

    @_action_schema(TakeBackInput, "Take the product back for depot repair (at most 3 days)")
    @action(detail=True, methods=["post"], url_path="take-back")
    def take_back(self, request, pk=None):
        return self._render(self._run(request, TakeBackInput, services.work_order_take_back, "take-back"))

    @_action_schema(ReturnInput, "The repaired product was returned")
    @action(detail=True, methods=["post"], url_path="return")
    def return_product(self, request, pk=None):
        return self._render(self._run(request, ReturnInput, services.work_order_return, "return"))

    @_action_schema(SignOffInput, "The customer signs and scores the service")
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        return self._render(self._run(request, SignOffInput, services.work_order_sign_off, "sign-off"))

    @_action_schema(NoteInput, "Close after the follow-up")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._render(self._run(request, NoteInput, services.work_order_close, "close"))

    @_action_schema(ReasonInput, "Cancel")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._render(self._run(request, ReasonInput, services.work_order_cancel, "cancel"))

    @_action_schema(RevisitInput, "Open a free revisit for the same fault", code=201)
    @action(detail=True, methods=["post"])
    def revisit(self, request, pk=None):
        order = self._run(request, RevisitInput, services.work_order_revisit, "revisit")
        return self._render(order, status.HTTP_201_CREATED)

    @_action_schema(ReasonInput, "The customer asks to postpone: stop the clocks of the open deadlines")
    @action(detail=True, methods=["post"])
    def postpone(self, request, pk=None):
        return self._render(self._run(request, ReasonInput, services.work_order_postpone, "postpone"))

    @_action_schema(NoteInput, "Restart the clocks; due times move by the time paused")
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._render(self._run(request, NoteInput, services.work_order_resume, "resume"))

    @_action_schema(HandOverInput, "Hand the caller's issue over to another owner, with a note (the state stays)")
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        return self._render(self._run(request, HandOverInput, services.work_order_hand_over, "hand-over"))

    @extend_schema(responses=WorkOrderEventSerializer(many=True), summary="History, oldest first")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        order = self.get_object()
        return Response(WorkOrderEventSerializer(selectors.work_order_history(order), many=True).data)

    @extend_schema(responses=CandidateSerializer(many=True), summary="Eligible technicians, best first")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def candidates(self, request, pk=None):
        order = self.get_object()
        if not request.user.has_role(Role.DISPATCHER, Role.SUPERVISOR):
            raise PermissionDenied()
        return Response(CandidateSerializer(selectors.dispatch_candidates(order=order), many=True).data)
