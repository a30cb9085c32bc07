"""REST API for calls and callbacks (api-contract.md, Calls). Thin: validate,
call one service, render."""

import datetime

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from servicedesk.core.errors import NotFound
from servicedesk.core.idempotency import IdempotentPostMixin

from . import selectors, services
from .models import Call, Callback, CallLink
from .serializers import (
    CallbackCompleteInput,
    CallbackSerializer,
    CallCloseInput,
    CallEventInput,
    CallHandOverInput,
    CallLinkSerializer,
    CallNoteInput,
    CallOpenInput,
    CallSerializer,
    CallTransitionSerializer,
    InquiryInput,
    InquirySerializer,
    LinkInput,
    SwitchCallSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Field errors"),
    403: OpenApiResponse(description="The role may not do this"),
    404: OpenApiResponse(description="No such call visible to this user"),
    409: OpenApiResponse(description="The state does not allow it: detail, state, allowed"),
}


class CallFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Call.State.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Call.Channel.choices)
    agent = django_filters.CharFilter(field_name="agent__username")
    owner = django_filters.CharFilter(field_name="owner__username")
    customer = django_filters.NumberFilter(field_name="customer_id")
    date = django_filters.DateFilter(method="filter_date", label="Local day of the ring (YYYY-MM-DD)")

    class Meta:
        model = Call
        fields = ["state", "channel", "agent", "owner", "customer", "date"]

    def filter_date(self, qs, name, value: datetime.date):
        start, end = selectors.day_bounds(value)
        return qs.filter(rang_at__gte=start, rang_at__lt=end)


class CallbackFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Callback.State.choices)
    assigned_to = django_filters.CharFilter(field_name="assigned_to__username")

    class Meta:
        model = Callback
        fields = ["state", "assigned_to"]


class MayReadCalls(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) == "events":
            return selectors.user_may_post_events(request.user)
        return selectors.user_may_read_calls(request.user)


class CallViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CallSerializer
    filterset_class = CallFilter
    permission_classes = [MayReadCalls]
    lookup_field = "call_id"
    lookup_value_regex = r"[^/]+"
    queryset = Call.objects.none()

    def get_queryset(self):
        return selectors.with_relations(selectors.calls_visible_to(self.request.user))

    def _render(self, call, code=status.HTTP_200_OK):
        call = selectors.with_relations(Call.objects.filter(pk=call.pk)).get()
        return Response(CallSerializer(call, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=CallEventInput, summary="The telephone switch reports an event (role telephony)",
        description="ring, answer, hangup and transfer. Idempotent per call and event: a repeat changes nothing "
                    "and answers 200. Events may arrive out of order.",
        responses={201: SwitchCallSerializer,
                   200: OpenApiResponse(SwitchCallSerializer, description="A repeat: nothing changed"),
                   400: ERRORS[400], 403: ERRORS[403]},
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def events(self, request):
        data = CallEventInput(data=request.data)
        data.is_valid(raise_exception=True)
        call, changed = services.call_event_record(by=request.user, **data.validated_data)
        call = selectors.with_relations(Call.objects.filter(pk=call.pk)).get()
        body = SwitchCallSerializer(call, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if changed else status.HTTP_200_OK)

    @extend_schema(request=CallOpenInput, summary="Open a walk-in, WeChat or e-mail contact by hand",
                   responses={201: CallSerializer, 400: ERRORS[400], 403: ERRORS[403]})
    def create(self, request):
        data = CallOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        call = services.call_open_manual(by=request.user, **data.validated_data)
        return self._render(call, status.HTTP_201_CREATED)

    @extend_schema(request=CallHandOverInput, summary="Hand the call's question over to another agent, with a note",
                   responses={200: CallSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, call_id=None):
        call = self.get_object()
        data = CallHandOverInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(services.call_hand_over(call_id=call.call_id, by=request.user, **data.validated_data))

    @extend_schema(request=CallNoteInput, summary="End a call by hand (walk-in left, or the hang-up was lost)",
                   responses={200: CallSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def end(self, request, call_id=None):
        call = self.get_object()
        data = CallNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(services.call_end(call_id=call.call_id, by=request.user, **data.validated_data))

    @extend_schema(request=CallCloseInput, responses={200: CallSerializer, **ERRORS},
                   summary="Close a ring whose hang-up never came, as abandoned (supervisor, with the reason)",
                   description="Only a call still ringing CALL_RING_STALE_SECONDS after its ring (409 before: the "
                               "caller may still be on the line). Opens the callback when the caller's number "
                               "is known, as a hang-up before the answer does.")
    @action(detail=True, methods=["post"])
    def close(self, request, call_id=None):
        call = self.get_object()
        data = CallCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(services.call_close_ringing(call_id=call.call_id, by=request.user, **data.validated_data))

    @extend_schema(responses=CallTransitionSerializer(many=True), summary="History, oldest first")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, call_id=None):
        return Response(CallTransitionSerializer(selectors.call_history(self.get_object()), many=True).data)

    @extend_schema(request=LinkInput, responses={200: CallLinkSerializer(many=True), 201: CallLinkSerializer, **ERRORS},
                   description="Linking the same object again changes nothing and answers 200.",
                   summary="What was filed from the call: list, or link a work order, complaint or inquiry")
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def links(self, request, call_id=None):
        call = self.get_object()
        if request.method == "GET":
            return Response(CallLinkSerializer(selectors.call_links(call), many=True).data)
        data = LinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        app_label, model = LinkInput.TYPES[data.validated_data["type"]].split(".")
        model_class = ContentType.objects.get_by_natural_key(app_label, model).model_class()
        subject = model_class.objects.filter(pk=data.validated_data["id"]).first()
        if subject is None:
            raise NotFound(
                _("No such %(type)s.") % {"type": data.validated_data["type"]}, code="link_subject_not_found"
            )
        existed = CallLink.objects.filter(call=call, content_type=ContentType.objects.get_for_model(subject),
                                          object_id=subject.pk).exists()
        link = services.call_link(call=call, subject=subject, by=request.user)
        return Response(
            CallLinkSerializer(link).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    @extend_schema(request=InquiryInput, responses={201: InquirySerializer, **ERRORS},
                   summary="Record an inquiry answered on this call")
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def inquiries(self, request, call_id=None):
        call = self.get_object()
        data = InquiryInput(data=request.data)
        data.is_valid(raise_exception=True)
        inquiry = services.inquiry_create(call=call, by=request.user, **data.validated_data)
        return Response(InquirySerializer(inquiry).data, status=status.HTTP_201_CREATED)


class CallbackViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Callbacks of abandoned calls, most urgent first (earliest due)."""

    serializer_class = CallbackSerializer
    filterset_class = CallbackFilter
    permission_classes = [MayReadCalls]
    queryset = Callback.objects.none()

    def get_queryset(self):
        from django.db.models import F

        return (
            selectors.callbacks_visible_to(self.request.user)
            .annotate(due_at=selectors._callback_due())
            .select_related("call", "call__customer", "assigned_to").prefetch_related("deadlines")
            .order_by(F("due_at").asc(nulls_last=True), "id")
        )

    def _render(self, callback):
        callback = self.get_queryset().get(pk=callback.pk)
        return Response(self.get_serializer(callback).data)

    @extend_schema(request=None, summary="Take a waiting callback", responses={200: CallbackSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        callback = self.get_object()
        return self._render(services.callback_take(callback_id=callback.pk, by=request.user))

    @extend_schema(request=CallbackCompleteInput, responses={200: CallbackSerializer, **ERRORS},
                   summary="Record a callback attempt: reached (done) or not (tried again, up to the limit)")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        callback = self.get_object()
        data = CallbackCompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(services.callback_complete(callback_id=callback.pk, by=request.user, **data.validated_data))
