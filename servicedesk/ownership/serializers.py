"""The hand-over's input, the same for every object that has an owner
(work orders, complaints): to whom, by id or username, and why."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicedesk.accounts.models import User


@extend_schema_field({"oneOf": [{"type": "integer", "description": "the user's id"},
                                {"type": "string", "description": "the user's username"}]})
class UserRefField(serializers.Field):
    """A user by id or by username. Whether that user may own the issue is
    the service's rule (servicedesk.ownership.handover.may_own_issues)."""

    default_error_messages = {
        "unknown": _("No user “%(value)s”."),
        "type": _("Give the user's id or username."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("type")
        value = data.strip() if isinstance(data, str) else data
        if value == "":
            self.fail("type")
        if isinstance(value, int) or value.isdigit():
            user = User.objects.filter(pk=int(value)).first()
            if user is None and isinstance(value, str):
                user = User.objects.filter(username=value).first()
        else:
            user = User.objects.filter(username=value).first()
        if user is None:
            raise serializers.ValidationError(self.error_messages["unknown"] % {"value": value})
        return user

    def to_representation(self, value):
        return value.username


class HandOverInput(serializers.Serializer):
    """First-question responsibility: to whom, and why (the note is required)."""

    to = UserRefField()
    note = serializers.CharField(max_length=2000)
