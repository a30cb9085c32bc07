from django.contrib import admin

from servicedesk.core.admin_mixins import ReadOnlyAdminMixin

from .models import Deadline, SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "subject", "deadline_kind", "duration", "working_days", "priority", "active")
    list_filter = ("subject", "deadline_kind", "active")
    search_fields = ("name", "code", "source")


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "content_type", "object_id", "due_at", "met_at", "escalation_level")
    list_filter = ("kind", "content_type", "escalation_level")
