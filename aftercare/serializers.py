from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import links, selectors
from .models import FollowUpOutcome, Survey


def _score():
    return serializers.IntegerField(min_value=1, max_value=5)


class SurveyInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Survey.Channel.choices)
    attitude = _score()
    skill = _score()
    punctuality = _score()
    overall = _score()
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = Survey
        fields = ["channel", "attitude", "skill", "punctuality", "overall", "comment", "at"]


@extend_schema_field(SurveySerializer(allow_null=True))
class SurveyAnswerField(serializers.Field):
    """The order's `survey`: null, or the answers with `at` and `channel` (api-contract: Satisfaction)."""

    def __init__(self):
        super().__init__(source="*", read_only=True)

    def to_representation(self, order):
        survey = self._surveys(order).get(order.pk)
        return SurveySerializer(survey).data if survey is not None else None

    def _surveys(self, order) -> dict:
        """One query for the whole page of a list (the root's instances), none
        for orders not signed off yet: {order id: survey}."""
        known = self.context.setdefault("_aftercare_surveys", {})
        if order.pk not in known:
            rows = self.root.instance if isinstance(self.root.instance, list | tuple) else [order]
            ids = [o.pk for o in rows if o.state in selectors.SURVEYABLE and o.pk not in known]
            if order.state in selectors.SURVEYABLE and order.pk not in ids:
                ids.append(order.pk)
            known.update(dict.fromkeys(ids))
            known.update({s.order_id: s for s in Survey.objects.filter(order_id__in=ids)} if ids else {})
            known.setdefault(order.pk, None)
        return known


@extend_schema_field({"type": "string", "format": "uri", "nullable": True,
                      "description": "The customer's page (staff only; null for others)."})
class SurveyLinkField(serializers.Field):
    """For staff only: the absolute URL the customer opens without logging in."""

    def __init__(self):
        super().__init__(source="*", read_only=True)

    def to_representation(self, order):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not selectors.is_staff_reader(user):
            return None
        return links.customer_link(order, request)


def follow_up_outcome_field():
    """The `close` action's input (tickets.hooks.add_input): the return visit's outcome."""
    return serializers.ChoiceField(choices=FollowUpOutcome.Outcome.choices, required=False, allow_blank=True,
                                   help_text=_("The follow-up's outcome: satisfied, reached, new_issue or "
                                               "not_reached."))
