"""REST API of the on-site records (contract v1, On site: Photos, Documents;
issue 14 items 3, 5, 6), under /api/v1/work-orders/{id}/."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.idempotency import IdempotentPostMixin
from tickets.selectors import user_may_read_work_orders

from . import links, parts, photos, selectors
from .models import Document, PartUse, Photo
from .services import visible_order

ERRORS = {400: OpenApiResponse(description="Field errors, naming the field"),
          403: OpenApiResponse(description="Only the technician sent to the order"),
          404: OpenApiResponse(description="No such order visible to this user"),
          409: OpenApiResponse(description="The order's state does not allow it")}


class MayReadWorkOrders(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        return super().has_permission(request, view) and user_may_read_work_orders(request.user)


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    by = serializers.CharField(source="taken_by.username")

    class Meta:
        model = Photo
        fields = ["id", "stage", "url", "sha256", "taken_at", "by"]

    def get_url(self, photo) -> str:
        return self.context["request"].build_absolute_uri(selectors.photo_path(photo))


class PhotoInput(serializers.Serializer):
    image = serializers.FileField(required=False, help_text="JPEG or PNG, at most 10 MB")
    stage = serializers.ChoiceField(choices=Photo.Stage.choices)


class WorkOrderPhotosView(IdempotentPostMixin, APIView):
    permission_classes = [MayReadWorkOrders]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: PhotoSerializer(many=True), 404: ERRORS[404]}, summary="The order's photos")
    def get(self, request, order_id):
        order = visible_order(request.user, order_id)
        return Response(PhotoSerializer(selectors.photos_of(order), many=True, context={"request": request}).data)

    @extend_schema(request={"multipart/form-data": PhotoInput}, responses={201: PhotoSerializer, **ERRORS},
                   summary="Add a photo (the technician sent, on site)")
    def post(self, request, order_id):
        data = PhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        photo = photos.photo_add(order_id=order_id, by=request.user, stage=data.validated_data["stage"],
                                 upload=request.FILES.get("image"))
        return Response(PhotoSerializer(photo, context={"request": request}).data, status=status.HTTP_201_CREATED)


class PhotoFileView(APIView):
    """The photo's file (or its thumbnail) for those who may see the order: never a public URL."""

    permission_classes = [MayReadWorkOrders]

    @extend_schema(parameters=[OpenApiParameter("size", str, enum=["thumb"], required=False)],
                   responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 404: ERRORS[404]},
                   summary="A photo's image")
    def get(self, request, order_id, pk):
        order = visible_order(request.user, order_id)
        photo = get_object_or_404(Photo, order=order, pk=pk)
        thumb = request.query_params.get("size") == "thumb"
        field = photo.thumbnail if thumb else photo.image
        response = FileResponse(field.open("rb"), content_type="image/jpeg" if thumb else photo.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="A signed link answering application/pdf, no login needed")

    class Meta:
        model = Document
        fields = ["kind", "url", "sha256", "created_at"]

    def get_url(self, document) -> str:
        return self.context["request"].build_absolute_uri(links.pdf_path(document))


class WorkOrderDocumentsView(APIView):
    permission_classes = [MayReadWorkOrders]

    @extend_schema(responses={200: DocumentSerializer(many=True), 404: ERRORS[404]},
                   summary="The order's documents (service record, handover receipt, rectification notices)")
    def get(self, request, order_id):
        order = visible_order(request.user, order_id)
        return Response(DocumentSerializer(selectors.documents_of(order), many=True,
                                           context={"request": request}).data)


class PartUseSerializer(serializers.ModelSerializer):
    taken_from_stock = serializers.SerializerMethodField()

    class Meta:
        model = PartUse
        fields = ["id", "source", "part_code", "name", "quantity", "unit_price", "amount", "added_at",
                  "taken_from_stock"]

    def get_taken_from_stock(self, use) -> bool:
        return use.movement_id is not None


class PartInput(serializers.Serializer):
    part_code = serializers.CharField(max_length=30)
    quantity = serializers.IntegerField(min_value=1, max_value=parts.MAX_QUANTITY)


class WorkOrderPartsView(IdempotentPostMixin, APIView):
    permission_classes = [MayReadWorkOrders]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(responses={200: PartUseSerializer(many=True), 404: ERRORS[404]},
                   summary="Parts used on the order (taken from stock when the work is resolved)")
    def get(self, request, order_id):
        order = visible_order(request.user, order_id)
        return Response(PartUseSerializer(selectors.parts_of(order), many=True).data)

    @extend_schema(request=PartInput, responses={201: PartUseSerializer, **ERRORS},
                   summary="Add a part used on site (the technician sent)")
    def post(self, request, order_id):
        data = PartInput(data=request.data)
        data.is_valid(raise_exception=True)
        use = parts.part_add(order_id=order_id, by=request.user, **data.validated_data)
        return Response(PartUseSerializer(use).data, status=status.HTTP_201_CREATED)
