"""The fields this app adds to the work order's inputs and answer (tickets.hooks)."""

from rest_framework import serializers

from servicedesk.core.api import AwareDateTimeField


def appointment_end():
    """schedule's optional end of the agreed window (contract: Appointment kept)."""
    return AwareDateTimeField(required=False, allow_null=True, default=None)


def appointment_end_answer():
    return serializers.DateTimeField(read_only=True, allow_null=True)


POSITION = {
    # check-in's position from the browser's geolocation, when the phone gives one.
    "latitude": lambda: serializers.FloatField(required=False, allow_null=True, default=None,
                                               min_value=-90, max_value=90),
    "longitude": lambda: serializers.FloatField(required=False, allow_null=True, default=None,
                                                min_value=-180, max_value=180),
    "accuracy": lambda: serializers.IntegerField(required=False, allow_null=True, default=None,
                                                 min_value=0, max_value=100000),
}
