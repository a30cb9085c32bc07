"""REST API for complaints (api-contract.md, Complaints). Thin: validate,
call one service, render."""

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from servicedesk.accounts.roles import Role
from servicedesk.core.errors import PermissionDenied
from servicedesk.core.idempotency import IdempotentPostMixin
from servicedesk.customers.models import Customer
from servicedesk.ownership.serializers import HandOverInput
from tickets.selectors import work_orders_visible_to

from . import selectors, services
from .at_once import complaint_close_at_once
from .models import Complaint, Finding
from .serializers import (
    CloseAtOnceInput,
    CloseInput,
    ComplaintCreateInput,
    ComplaintEventSerializer,
    ComplaintNoteInput,
    ComplaintReasonInput,
    ComplaintSerializer,
    DecisionInput,
    EscalateInput,
    FindingInput,
    FindingSerializer,
    ForwardInput,
    ReplyInput,
    ReturnVisitInput,
)


class ComplaintFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Complaint.State.choices)
    category = django_filters.MultipleChoiceFilter(choices=Complaint.Category.choices)
    complaint_class = django_filters.NumberFilter()
    handling_unit = django_filters.NumberFilter(field_name="handling_unit_id")
    customer = django_filters.NumberFilter(field_name="customer_id")
    technician = django_filters.NumberFilter(field_name="technician_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Complaint
        fields = ["state", "category", "complaint_class", "handling_unit", "customer", "technician", "overdue"]

    def filter_overdue(self, qs, name, value):
        from django.db.models import Exists, OuterRef
        from django.utils import timezone

        from servicedesk.deadlines.models import Deadline

        late = Exists(Deadline.objects.filter(complaint=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True,
                                              due_at__lt=timezone.now()))
        return qs.filter(late) if value else qs.exclude(late)


class MayReadComplaints(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        return super().has_permission(request, view) and selectors.user_may_read_complaints(request.user)


def _schema(request_serializer, summary, code=200):
    return extend_schema(
        request=request_serializer, summary=summary,
        responses={code: ComplaintSerializer, 400: OpenApiResponse(description="Field errors"),
                   403: OpenApiResponse(description="The role may not take this action"),
                   404: OpenApiResponse(description="No such complaint visible to this user"),
                   409: OpenApiResponse(description="The state does not allow it: detail, state, allowed")},
    )


class ComplaintViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    permission_classes = [MayReadComplaints]
    queryset = Complaint.objects.none()

    def get_queryset(self):
        return selectors.with_list_relations(selectors.complaints_visible_to(self.request.user))

    def _render(self, complaint, code=status.HTTP_200_OK):
        complaint = selectors.with_list_relations(Complaint.objects.filter(pk=complaint.pk)).get()
        return Response(self.get_serializer(complaint).data, status=code)

    def _run(self, request, input_class, service):
        complaint = self.get_object()
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(service(complaint_id=complaint.pk, by=request.user, **data.validated_data))

    @extend_schema(
        request=ComplaintCreateInput,
        summary="File a complaint",
        responses={
            201: ComplaintSerializer,
            200: OpenApiResponse(ComplaintSerializer, description="Existing complaint with this external_ref"),
        },
    )
    def create(self, request):
        user = request.user
        if not selectors.user_may_create_complaints(user):
            raise PermissionDenied()
        customers = Customer.objects.all()
        if user.roles == {Role.PARTNER}:
            customers = customers.filter(work_orders__partner_id=user.partner_id).distinct()
        data = ComplaintCreateInput(data=request.data, context={"customers_queryset": customers},
                                    work_orders=work_orders_visible_to(user))
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        complaint, created = services.complaint_create(by=user, **v)
        return self._render(complaint, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @_schema(ForwardInput, "Forward the task sheet to the handling unit")
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        return self._run(request, ForwardInput, services.complaint_forward)

    @_schema(ReplyInput, "The handling unit answered the customer")
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        return self._run(request, ReplyInput, services.complaint_reply)

    @_schema(ReturnVisitInput, "Return visit: satisfied, or disputed")
    @action(detail=True, methods=["post"], url_path="return-visit")
    def return_visit(self, request, pk=None):
        return self._run(request, ReturnVisitInput, services.complaint_return_visit)

    @_schema(EscalateInput, "Raise the class (it only goes up)")
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._run(request, EscalateInput, services.complaint_escalate)

    @_schema(CloseInput, "Close after the return visit (class 3 needs a case study)")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._run(request, CloseInput, services.complaint_close)

    @_schema(CloseAtOnceInput, "Class 1: handled directly by customer service, closed from received with the result")
    @action(detail=True, methods=["post"], url_path="close-at-once")
    def close_at_once(self, request, pk=None):
        return self._run(request, CloseAtOnceInput, complaint_close_at_once)

    @_schema(ComplaintReasonInput, "Reject an invalid complaint with the reason told to the customer")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._run(request, ComplaintReasonInput, services.complaint_reject)

    @_schema(ComplaintNoteInput, "Feedback given to the salesperson who forwarded it (30-minute rule)")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._run(request, ComplaintNoteInput, services.complaint_acknowledge)

    @_schema(HandOverInput, "Hand the complaint over to another owner, with a note (the state stays)")
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        return self._run(request, HandOverInput, services.complaint_hand_over)

    @extend_schema(responses=ComplaintEventSerializer(many=True), summary="History, oldest first")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        return Response(ComplaintEventSerializer(selectors.complaint_history(self.get_object()), many=True).data)

    @extend_schema(request=FindingInput, responses={201: FindingSerializer, 200: FindingSerializer(many=True)},
                   summary="Accountability findings: list, or propose one to HR")
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def findings(self, request, pk=None):
        complaint = self.get_object()
        if request.method == "GET":
            return Response(
                FindingSerializer(
                    complaint.findings.select_related("person", "proposed_by", "decided_by"), many=True
                ).data
            )
        data = FindingInput(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_propose(complaint_id=complaint.pk, by=request.user, **data.validated_data)
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class FindingViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """HR's queue of accountability proposals."""

    serializer_class = FindingSerializer
    filterset_fields = ["state"]
    queryset = Finding.objects.none()

    def get_queryset(self):
        if not selectors.may_see_findings(self.request.user):
            raise PermissionDenied()
        return Finding.objects.select_related("person", "proposed_by", "decided_by").order_by("-proposed_at")

    @extend_schema(request=DecisionInput, responses=FindingSerializer, summary="HR's decision")
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        finding = self.get_object()
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            FindingSerializer(
                services.finding_decide(finding_id=finding.pk, by=request.user, **data.validated_data)
            ).data
        )
