"""POST /api/v1/work-orders/{id}/survey/ (api-contract: Satisfaction)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.errors import NotFound
from servicedesk.core.idempotency import IdempotentPostMixin
from tickets.selectors import work_orders_visible_to

from . import selectors, services
from .serializers import SurveyInput, SurveySerializer


class WorkOrderSurveyView(IdempotentPostMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    def _order(self, request, pk):
        order = work_orders_visible_to(request.user).filter(pk=pk).first()
        if order is None:
            raise NotFound("Not found.")
        return order

    @extend_schema(responses={200: SurveySerializer, 404: OpenApiResponse(description="No order, or no survey yet")},
                   summary="The order's survey")
    def get(self, request, pk):
        survey = selectors.survey_of(self._order(request, pk))
        if survey is None:
            raise NotFound("No survey yet.")
        return Response(SurveySerializer(survey).data)

    @extend_schema(
        request=SurveyInput, summary="Record the customer's satisfaction survey (once per order)",
        responses={201: SurveySerializer, 400: OpenApiResponse(description="Field errors"),
                   403: OpenApiResponse(description="Only agents and supervisors"),
                   404: OpenApiResponse(description="No such order visible to this user"),
                   409: OpenApiResponse(description="Not signed off yet, or already answered (code survey_done)")},
    )
    def post(self, request, pk):
        order = self._order(request, pk)
        data = SurveyInput(data=request.data)
        data.is_valid(raise_exception=True)
        survey = services.survey_submit(order_id=order.pk, by=request.user, **data.validated_data)
        return Response(SurveySerializer(survey).data, status=status.HTTP_201_CREATED)
