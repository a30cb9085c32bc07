from rest_framework import serializers

from servicedesk.core.serializers import FieldsBuiltOnce

from .models import Deadline


class DeadlineSerializer(FieldsBuiltOnce, serializers.ModelSerializer):  # fields built once (issue 18)
    """The contract's shape: kind, due_at, met_at, breached, escalation_level."""

    breached = serializers.BooleanField(read_only=True)
    cancelled = serializers.SerializerMethodField()

    class Meta:
        model = Deadline
        fields = ["kind", "due_at", "met_at", "breached", "escalation_level", "started_at", "cancelled", "paused_at",
                  "paused_seconds"]
        read_only_fields = fields

    def get_cancelled(self, obj) -> bool:
        return obj.cancelled_at is not None
