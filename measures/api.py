"""GET /api/v1/measures/ and GET /api/v1/reports/monthly/ (api-contract.md,
Measures): roles supervisor and manager, others 403; a bad date is a 400."""

from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.errors import PermissionDenied, ValidationFailed

from . import exports, selectors
from .scope import month_scope, scope_from, user_may_see_measures
from .serializers import MeasuresAnswer, MonthlyReportAnswer

FILTER_PARAMETERS = [
    OpenApiParameter("station", int, description="A service station (unit id)"),
    OpenApiParameter("region", int, description="A region id"),
    OpenApiParameter("category", str, description="A product category's slug"),
    OpenApiParameter("technician", int, description="A technician id"),
]
ERRORS = {
    400: OpenApiResponse(description="A missing or malformed date, `from` after `to`: names the field"),
    401: OpenApiResponse(description="No or bad credentials"),
    403: OpenApiResponse(description="Only supervisors and managers see the measures"),
}


def _check(user):
    if not user_may_see_measures(user):
        raise PermissionDenied(code="permission_denied")


class MeasuresView(APIView):
    @extend_schema(
        summary="The measures of a period", operation_id="measures",
        parameters=[OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First local date"),
                    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last local date"),
                    *FILTER_PARAMETERS],
        responses={200: MeasuresAnswer, **ERRORS},
    )
    def get(self, request):
        _check(request.user)
        return Response(selectors.measures(scope_from(request.query_params)))


class MonthlyReportView(APIView):
    def perform_content_negotiation(self, request, force=False):
        # `format` chooses the file (xlsx, pdf) here, not a DRF renderer; every answer that is not a file is JSON.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        summary="The monthly after-sales report (月度售后数据)", operation_id="reports_monthly",
        parameters=[OpenApiParameter("month", str, required=True, description="YYYY-MM"),
                    OpenApiParameter("format", str, enum=["json", "xlsx", "pdf"],
                                     description="json (default), an Excel workbook, or a PDF in Chinese"),
                    *FILTER_PARAMETERS],
        responses={200: MonthlyReportAnswer,
                   (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
                   (200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request):
        _check(request.user)
        fmt = request.query_params.get("format") or "json"
        if fmt not in ("json", "xlsx", "pdf"):
            raise ValidationFailed("Choose json, xlsx or pdf.", field="format")
        scope = month_scope(request.query_params.get("month"), request.query_params)
        if fmt == "json":
            return Response(selectors.monthly_report(scope))
        # The PDF is in Chinese whatever the reader's language (contract); the workbook in the reader's.
        with translation.override("zh-hans" if fmt == "pdf" else translation.get_language()):
            body, content_type, name = exports.monthly_file(selectors.monthly_report(scope), fmt)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
