from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from servicedesk.core.pages import is_htmx

from . import selectors

STATUSES = {"overdue", "due_soon", "warned_today", "escalated_today", "late_today", "late_7d"}


@login_required
def dashboard(request):
    if not selectors.user_may_see_dashboard(request.user):
        raise PermissionDenied
    context = selectors.dashboard()
    template = "deadlines/_dashboard_panel.html" if is_htmx(request) else "deadlines/dashboard.html"
    return render(request, template, context)


@login_required
def deadline_list(request):
    if not selectors.user_may_see_dashboard(request.user):
        raise PermissionDenied
    status = request.GET.get("status", "overdue")
    if status not in STATUSES:
        status = "overdue"
    level = request.GET.get("level")
    qs = selectors.deadlines_list(
        status=status, kind=request.GET.get("kind") or None,
        level=level if level and level.isdigit() else None, model=request.GET.get("model") or None,
    ).prefetch_related("subject")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "deadlines/deadline_list.html", {"page": page, "status": status, "params": request.GET})
