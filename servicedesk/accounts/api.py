from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.core.input_guard import GuardedJSONParser

from .models import ApiToken, Unit
from .tokens import ApiTokenAuthentication, token_for


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


class TokenRequestSerializer(AuthTokenSerializer):
    name = serializers.CharField(required=False, max_length=100, default="default",
                                 help_text="Which integration the token is for (default: `default`).")


class TokenView(APIView):
    """POST {"username", "password"} -> {"token"}. The same user and name get
    the same token again while it is valid."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [GuardedJSONParser]  # deep nesting, NUL and invalid Unicode are a 400 here too
    renderer_classes = [JSONRenderer]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenAnswer", {"token": serializers.CharField()})},
        summary="Obtain an API token",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token = token_for(user=serializer.validated_data["user"], name=serializer.validated_data["name"])
        return Response({"token": token.key})


class LogoutView(APIView):
    """Deletes the token the request is sent with; the user's other tokens stay."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="Revoke the token of this request")
    def post(self, request):
        ApiToken.objects.filter(pk=request.auth.pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
