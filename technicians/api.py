import django_filters
from rest_framework import serializers, viewsets

from servicedesk.core.errors import PermissionDenied

from .models import Technician
from .selectors import technicians_list, user_may_read_technicians


class TechnicianSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.display_name")
    station = serializers.CharField(source="station.name", default=None)
    categories = serializers.SerializerMethodField()
    regions = serializers.SerializerMethodField()
    active = serializers.BooleanField()

    def get_categories(self, obj) -> list[str]:
        return [c.category.slug for c in obj.certifications.all() if c.is_valid]

    def get_regions(self, obj) -> list[str]:
        return [r.code for r in obj.regions.all()]


class TechnicianFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(field_name="user__username")
    active = django_filters.BooleanFilter()
    category = django_filters.CharFilter(field_name="certifications__category__slug")


class TechnicianViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TechnicianSerializer
    filterset_class = TechnicianFilter
    queryset = Technician.objects.none()  # for the schema generator; get_queryset answers requests

    def get_queryset(self):
        if not user_may_read_technicians(self.request.user):
            raise PermissionDenied()
        return technicians_list().distinct()
