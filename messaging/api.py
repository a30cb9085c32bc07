from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.api import AwareDateTimeField
from servicedesk.core.errors import NotFound, PermissionDenied
from servicedesk.core.phone import mask_phone

from . import selectors
from .models import Channel, Event, Message


class MessageSerializer(serializers.ModelSerializer):
    """contract: Messages to the customer; `to` always masked (138****1234)."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    event = serializers.ChoiceField(choices=Event.choices)
    to = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    at = AwareDateTimeField(source="created_at")
    sent_at = AwareDateTimeField(allow_null=True)

    class Meta:
        model = Message
        fields = ["channel", "event", "to", "text", "status", "at", "sent_at", "attempts"]

    def get_to(self, row) -> str:
        return mask_phone(row.to)


class WorkOrderMessagesView(APIView):
    @extend_schema(
        responses={200: MessageSerializer(many=True),
                   403: OpenApiResponse(description="The role may not read messages (technicians, partners)"),
                   404: OpenApiResponse(description="No such order visible to this user")},
        summary="Messages to the customer about this order, oldest first",
    )
    def get(self, request, pk):
        order = selectors.visible_order(request.user, pk)
        if order is None:
            raise NotFound(_("Not found."))
        if not selectors.user_may_read_messages(request.user):
            raise PermissionDenied()
        return Response(MessageSerializer(selectors.messages_of(order), many=True).data)
