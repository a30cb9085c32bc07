"""HR's queue of accountability findings (seeds/000 step 4): the proposals
waiting, the decisions taken, and HR's decision form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from servicedesk.accounts.roles import Role
from servicedesk.core.errors import ApplicationError, page_text

from .. import selectors, services
from ..models import Finding
from ..serializers import DecisionInput
from .common import PAGE_SIZE, error_tags


def _findings_page(request, *, status=200, failed=None, errors=None, values=None):
    state = request.GET.get("state", Finding.State.PROPOSED)
    if state not in (Finding.State.PROPOSED, Finding.State.DECIDED, "all"):
        state = Finding.State.PROPOSED
    findings = Finding.objects.select_related(
        "complaint__handling_unit", "person", "proposed_by", "decided_by").order_by("-proposed_at", "-id")
    if state == Finding.State.PROPOSED:
        findings = findings.filter(state=state).order_by("proposed_at", "id")  # the oldest waits longest
    elif state == Finding.State.DECIDED:
        findings = findings.filter(state=state).order_by("-decided_at", "-id")
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    for finding in page:
        finding.errors = (errors or {}) if finding.pk == failed else {}
        finding.values = (values or {}) if finding.pk == failed else {}
    return render(request, "complaints/finding_list.html", {
        "page": page, "state": state, "may_decide": request.user.has_role(Role.HR),
        "waiting": Finding.objects.filter(state=Finding.State.PROPOSED).count(), "tab": "findings",
    }, status=status)


@login_required
def finding_list(request):
    if not selectors.may_see_findings(request.user):
        raise Forbidden
    return _findings_page(request)


@login_required
def finding_decide(request, pk):
    if request.method != "POST":
        return redirect("finding-list")
    if not selectors.may_see_findings(request.user):
        raise Forbidden
    finding = get_object_or_404(Finding.objects.select_related("complaint", "person"), pk=pk)
    values = {"decision": request.POST.get("decision", "")}
    data = DecisionInput(data=values)
    if not data.is_valid():
        errors = {field: [str(m) for m in msgs] for field, msgs in data.errors.items()}
        return _findings_page(request, status=400, failed=finding.pk, errors=errors, values=values)
    try:
        services.finding_decide(finding_id=finding.pk, by=request.user, **data.validated_data)
    except ApplicationError as exc:
        if exc.field == "decision":
            return _findings_page(request, status=400, failed=finding.pk, errors={"decision": [str(exc.message)]},
                                  values=values)
        messages.error(request, page_text(exc), extra_tags=error_tags(exc))
        return redirect("finding-list")
    messages.success(request, _("Decision recorded on complaint %(number)s (%(person)s); the accepting unit is "
                                "informed.") % {"number": finding.complaint.number,
                                                "person": finding.person.display_name})
    return redirect(reverse("finding-list") + f"?state={Finding.State.PROPOSED}")
