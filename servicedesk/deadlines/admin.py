from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicedesk.core.admin_mixins import ReadOnlyAdminMixin

from .models import CalendarDay, CalendarYear, Deadline, DeadlinePause, Escalation, EscalationStep, SlaPolicy
from .services import policy_recompute_open


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    max_num = 3


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "subject", "deadline_kind", "duration", "working_days", "warn_ratio", "priority", "active")
    list_filter = ("subject", "deadline_kind", "active")
    search_fields = ("name", "code", "source")
    inlines = [EscalationStepInline]
    actions = ["recompute_open_deadlines"]

    @admin.action(description=_("Recompute the open deadlines of the selected policies"))
    def recompute_open_deadlines(self, request, queryset):
        total = sum(policy_recompute_open(policy=policy) for policy in queryset)
        self.message_user(
            request,
            ngettext("%(n)d open deadline recomputed.", "%(n)d open deadlines recomputed.", total) % {"n": total},
            messages.SUCCESS,
        )


class PauseInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DeadlinePause
    extra = 0
    fields = ("started_at", "ended_at", "reason", "by", "resumed_by")
    readonly_fields = fields


class EscalationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Escalation
    extra = 0
    fields = ("level", "at", "due_at", "target")
    readonly_fields = fields


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "content_type", "object_id", "due_at", "met_at", "escalation_level", "next_escalation_at")
    list_filter = ("kind", "content_type", "escalation_level")
    date_hierarchy = "due_at"
    inlines = [PauseInline, EscalationInline]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("deadline", "level", "at", "due_at", "target")
    list_filter = ("level", "target")
    date_hierarchy = "at"
    list_select_related = ("deadline",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays and make-up workdays (调休). Days from chinese-calendar carry
    that source; an administrator's own rows are kept by calendar_sync."""

    list_display = ("date", "kind", "name", "source")
    list_filter = ("kind", "source")
    date_hierarchy = "date"
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        if not change or form.changed_data:
            obj.source = "manual"
        super().save_model(request, obj, form, change)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "confirmed", "source", "confirmed_by", "confirmed_at")
    list_filter = ("confirmed",)
    readonly_fields = ("confirmed_by", "confirmed_at")
    actions = ["confirm_years"]

    @admin.action(description=_("Confirm: the official holiday schedule of these years is entered"))
    def confirm_years(self, request, queryset):
        n = queryset.update(confirmed=True, confirmed_by=request.user, confirmed_at=timezone.now(), source="manual")
        self.message_user(request, ngettext("%(n)d year confirmed.", "%(n)d years confirmed.", n) % {"n": n})
