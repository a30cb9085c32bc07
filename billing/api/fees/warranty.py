"""REST API of warranty entitlement: a work order's entitlement as the
work-order API shows it, and the check at intake before the order exists."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.api import AwareDateTimeField
from servicedesk.core.serializers import FieldsBuiltOnce
from servicedesk.customers.models import ProductCategory

from ...models import WarrantyTerm, WorkOrderEntitlement
from ...selectors import fees as sel


class EntitlementSerializer(FieldsBuiltOnce, serializers.ModelSerializer):  # fields built once (issue 18)
    """The work order's entitlement, as the work-order API shows it (field `entitlement`)."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    decided_at = AwareDateTimeField(read_only=True)
    components = serializers.JSONField(read_only=True)

    class Meta:
        model = WorkOrderEntitlement
        fields = ["status", "status_label", "basis", "requested_by", "term_months", "term_days", "expires_on",
                  "repair_of", "components", "decided_on", "decided_at", "reason"]
        read_only_fields = fields


class EntitlementPreviewInput(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=ProductCategory.objects.filter(active=True))
    purchase_date = serializers.DateField(required=False, allow_null=True, default=None)
    manufactured_on = serializers.DateField(required=False, allow_null=True, default=None)
    proof_of_purchase = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    requested_by = serializers.ChoiceField(choices=WarrantyTerm.AppliesTo.choices, required=False,
                                           default=WarrantyTerm.AppliesTo.CONSUMER)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class EntitlementPreviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WorkOrderEntitlement.Status.choices)
    status_label = serializers.CharField()
    basis = serializers.CharField()
    requested_by = serializers.CharField()
    term_months = serializers.IntegerField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    components = serializers.JSONField()
    decided_on = serializers.DateField()
    reason = serializers.CharField()


class StaffOnly(permissions.IsAuthenticated):
    """Signed-in users of the organisation (partners and switches are not served here)."""

    def has_permission(self, request, view):
        from servicedesk.accounts.roles import Role

        user = request.user
        return super().has_permission(request, view) and not (
            user.roles and user.roles <= {Role.PARTNER, Role.TELEPHONY})


class EntitlementPreviewView(APIView):
    permission_classes = [StaffOnly]

    @extend_schema(parameters=[EntitlementPreviewInput], responses=EntitlementPreviewSerializer,
                   summary="Entitlement at intake: in warranty, out of warranty or no proof, before the order exists")
    def get(self, request):
        data = EntitlementPreviewInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        decision = sel.entitlement_preview(**data.validated_data)
        return Response(decision.as_dict())
