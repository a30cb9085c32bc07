"""Reads for the supervisor dashboard (issue 3, item 7): every number here
has a list behind it (deadlines_list with the same filters)."""

import datetime

from django.db.models import Count, F, Q
from django.utils import timezone

from servicedesk.accounts.roles import Role

from .calendar import unconfirmed_years
from .models import Deadline, Escalation

DASHBOARD_ROLES = {Role.SUPERVISOR, Role.MANAGER, Role.DISPATCHER, Role.ADMINISTRATOR}


def user_may_see_dashboard(user) -> bool:
    return user.is_authenticated and user.has_role(*DASHBOARD_ROLES)


def _open():
    return Deadline.objects.filter(met_at__isnull=True, cancelled_at__isnull=True)


def day_start(now=None):
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def deadlines_list(*, status: str, now=None, kind=None, level=None, model=None):
    """The deadlines behind a dashboard number."""
    now = now or timezone.now()
    today = day_start(now)
    if status == "overdue":
        qs = _open().filter(due_at__lt=now)
    elif status == "due_soon":
        qs = _open().filter(due_at__gte=now, due_at__lt=now + datetime.timedelta(hours=1), paused_at__isnull=True)
    elif status == "warned_today":
        qs = Deadline.objects.filter(escalations__level=0, escalations__at__gte=today)
    elif status == "escalated_today":
        qs = Deadline.objects.filter(escalations__level__gte=1, escalations__at__gte=today)
    elif status in ("late_today", "late_7d"):
        start = today if status == "late_today" else today - datetime.timedelta(days=6)
        qs = Deadline.objects.filter(due_at__gte=start, due_at__lt=now, cancelled_at__isnull=True).filter(
            Q(met_at__isnull=True) | Q(met_at__gt=F("due_at"))
        )
    else:
        raise ValueError(status)
    if kind:
        qs = qs.filter(kind=kind)
    if level not in (None, ""):
        qs = qs.filter(escalation_level=int(level))
    if model:
        qs = qs.filter(content_type__model=model)
    return qs.distinct().select_related("content_type").order_by("due_at")


def _on_time(start, now):
    """Per kind: deadlines due in [start, now) that were not cancelled, and how
    many of them were met in time."""
    rows = (
        Deadline.objects.filter(due_at__gte=start, due_at__lt=now, cancelled_at__isnull=True)
        .values("kind")
        .annotate(total=Count("id"), on_time=Count("id", filter=Q(met_at__isnull=False, met_at__lte=F("due_at"))))
        .order_by("kind")
    )
    return {r["kind"]: (r["on_time"], r["total"]) for r in rows}


def dashboard(*, now=None) -> dict:
    now = now or timezone.now()
    today = day_start(now)
    overdue = list(
        _open().filter(due_at__lt=now).values("content_type__model", "kind", "escalation_level")
        .annotate(n=Count("id")).order_by("content_type__model", "kind", "escalation_level")
    )
    due_soon = list(
        _open().filter(due_at__gte=now, due_at__lt=now + datetime.timedelta(hours=1), paused_at__isnull=True)
        .values("kind").annotate(n=Count("id")).order_by("kind")
    )
    steps_today = dict(
        Escalation.objects.filter(at__gte=today).values_list("level").annotate(n=Count("id")).order_by("level")
    )
    day, week = _on_time(today, now), _on_time(today - datetime.timedelta(days=6), now)
    rates = []
    for kind in sorted(set(day) | set(week)):
        d_ok, d_all = day.get(kind, (0, 0))
        w_ok, w_all = week.get(kind, (0, 0))
        rates.append({
            "kind": kind,
            "today": round(100 * d_ok / d_all, 1) if d_all else None, "today_total": d_all, "today_late": d_all - d_ok,
            "week": round(100 * w_ok / w_all, 1) if w_all else None, "week_total": w_all, "week_late": w_all - w_ok,
        })
    return {
        "now": now,
        "overdue": overdue,
        "overdue_total": sum(r["n"] for r in overdue),
        "due_soon": due_soon,
        "due_soon_total": sum(r["n"] for r in due_soon),
        "warnings_today": steps_today.get(0, 0),
        "escalations_today": sum(n for level, n in steps_today.items() if level >= 1),
        "escalations_by_level": sorted((lvl, n) for lvl, n in steps_today.items() if lvl >= 1),
        "rates": rates,
        "unconfirmed_years": unconfirmed_years(around=timezone.localtime(now).date()),
    }
