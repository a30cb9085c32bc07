import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Unit


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "parent"]


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisation's units (kinds include handling_unit)."""

    serializer_class = UnitSerializer
    queryset = Unit.objects.filter(active=True).order_by("kind", "name")
    filterset_fields = ["kind"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")
    roles = serializers.SerializerMethodField()
    unit = UnitSerializer(allow_null=True)
    partner = serializers.SerializerMethodField()
    technician = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField()

    def get_roles(self, obj) -> list[str]:
        return sorted(obj.roles)

    def get_partner(self, obj) -> dict | None:
        return {"id": obj.partner.pk, "code": obj.partner.code, "name": obj.partner.name} if obj.partner_id else None

    def get_technician(self, obj) -> int | None:
        technician = getattr(obj, "technician", None)
        return technician.pk if technician else None

    def get_language(self, obj) -> str:
        from django.utils.translation import get_language

        return get_language()


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="The current user's profile, roles and unit")
    def get(self, request):
        return Response(MeSerializer(request.user).data)
