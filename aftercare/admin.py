from django.contrib import admin

from .models import AppointmentRequest, FollowUpOutcome, LowScoreFollowUp, Survey, SurveyCall


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["order", "channel", "attitude", "skill", "punctuality", "overall", "at"]
    list_filter = ["channel"]
    raw_id_fields = ["order", "by"]

    def has_change_permission(self, request, obj=None):
        return False  # the customer's answers are a record, never edited


@admin.register(SurveyCall)
class SurveyCallAdmin(admin.ModelAdmin):
    list_display = ["order", "state", "attempts", "due_at"]
    list_filter = ["state"]
    raw_id_fields = ["order"]


@admin.register(LowScoreFollowUp)
class LowScoreFollowUpAdmin(admin.ModelAdmin):
    list_display = ["survey", "state", "opened_at", "closed_at"]
    list_filter = ["state"]
    raw_id_fields = ["survey", "closed_by", "complaint"]


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(admin.ModelAdmin):
    list_display = ["order", "kind", "wish", "at", "handled_at"]
    list_filter = ["kind"]
    raw_id_fields = ["order", "handled_by"]


@admin.register(FollowUpOutcome)
class FollowUpOutcomeAdmin(admin.ModelAdmin):
    list_display = ["order", "outcome", "at", "by"]
    list_filter = ["outcome"]
    raw_id_fields = ["order", "by"]
