"""What the returns' two APIs share: the history rows and the actions' schema."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from servicedesk.core.api import AwareDateTimeField


class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    by = serializers.CharField(source="by.username", default=None)
    at = AwareDateTimeField()
    note = serializers.CharField()
    data = serializers.JSONField()


def action_schema(request_serializer, summary, response, code=200):
    return extend_schema(
        request=request_serializer, summary=summary,
        responses={code: response, 400: OpenApiResponse(description="Field errors"),
                   403: OpenApiResponse(description="The role may not take this action"),
                   404: OpenApiResponse(description="Not found, or not visible to this user"),
                   409: OpenApiResponse(description="The state does not allow it: detail, state, allowed")},
    )
