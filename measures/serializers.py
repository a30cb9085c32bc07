"""Output shapes of the measures API, for the OpenAPI schema (the views
answer the selectors' dicts, which have these fields)."""

from rest_framework import serializers


class MeasureRow(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="numerator / denominator; null when it is 0")
    source = serializers.CharField(help_text="Where the documents name it (domain.md section 8, seeds/00N)")


class Satisfaction(serializers.Serializer):
    responses = serializers.IntegerField()
    attitude = serializers.FloatField(allow_null=True)
    skill = serializers.FloatField(allow_null=True)
    punctuality = serializers.FloatField(allow_null=True)
    overall = serializers.FloatField(allow_null=True)


class ByClass(serializers.Serializer):
    def get_fields(self):
        return {c: serializers.IntegerField() for c in ("1", "2", "3")}


class ByCategory(serializers.Serializer):
    quality = serializers.IntegerField()
    service = serializers.IntegerField()
    suggestion = serializers.IntegerField()


class Complaints(serializers.Serializer):
    by_class = ByClass()
    by_category = ByCategory()


class MeasuresAnswer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": serializers.DateField(), "to": serializers.DateField(),
            "filters": serializers.DictField(), "measures": MeasureRow(many=True),
            "satisfaction": Satisfaction(), "complaints": Complaints(),
        }


class Breakdown(serializers.Serializer):
    name = serializers.CharField()
    measures = MeasureRow(many=True)
    complaints = Complaints()


class StationBreakdown(Breakdown):
    station = serializers.IntegerField()


class CategoryBreakdown(Breakdown):
    category = serializers.CharField()


class Fault(serializers.Serializer):
    category = serializers.CharField(allow_null=True)
    category_name = serializers.CharField(allow_null=True)
    model = serializers.CharField()
    orders = serializers.IntegerField()


class RepeatRepair(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    revisit_of = serializers.IntegerField()
    revisit_of_number = serializers.CharField(allow_null=True)
    reported_at = serializers.DateTimeField()


class MonthlyReportAnswer(MeasuresAnswer):
    def get_fields(self):
        return {
            **super().get_fields(), "month": serializers.CharField(),
            "by_station": StationBreakdown(many=True), "by_category": CategoryBreakdown(many=True),
            "top_faults": Fault(many=True), "repeat_repairs": RepeatRepair(many=True),
        }
