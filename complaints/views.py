"""Server-rendered pages for complaints, in the style of the work-order pages:
complaints.selectors decides what a user sees and may do, the API's input
serializers validate, and the same services write. The detail page is the
task sheet of seeds/000 (客户意见处理任务单) with a form for each action the
user may take now."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from servicedesk.accounts.models import Unit, User
from servicedesk.accounts.roles import Role
from servicedesk.core.errors import ApplicationError, ValidationFailed, page_text
from servicedesk.core.phone import normalize_phone
from servicedesk.customers.selectors import customer_shown, phone_policy_for, show_as_sent
from servicedesk.customers.services import customer_find_by_phone
from servicedesk.deadlines.labels import kind_label
from servicedesk.deadlines.models import Deadline
from tickets.selectors import hand_over_targets, work_orders_visible_to
from tickets.serializers import HandOverInput
from tickets.views import duration_text

from . import selectors, services
from .api import ComplaintFilter
from .forms import ComplaintCreateForm
from .models import CaseStudy, Complaint, Finding
from .serializers import (
    CloseInput, ComplaintNoteInput, ComplaintReasonInput, DecisionInput, EscalateInput, FindingInput, ForwardInput,
    ReplyInput, ReturnVisitInput,
)

PAGE_SIZE = 25
QUEUE_LIMIT = 200
# The loop steps of seeds/000 (and the 30-minute feedback to sales of seeds/002), in their order.
LOOP_STEPS = ["register", "reply", "overall", "return_visit", "acknowledge"]

# Who sees the pages beyond the complaints themselves.
OVERVIEW_ROLES = {Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}
# seeds/002: a class-3 case study is "shared with the department".
CASE_STUDY_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.HANDLER, Role.ADMINISTRATOR}
# As the API's FindingViewSet; only HR decides (services.finding_decide).
FINDING_ROLES = {Role.HR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}

# The same input serializer for each action as the API's view of it.
ACTION_INPUTS = {
    "forward": ForwardInput, "reply": ReplyInput, "return-visit": ReturnVisitInput, "escalate": EscalateInput,
    "close": CloseInput, "reject": ComplaintReasonInput, "acknowledge": ComplaintNoteInput,
    "propose-finding": FindingInput, "hand-over": HandOverInput,
}
PAGE_SERVICES = {**services.ACTION_SERVICES, "propose-finding": services.finding_propose,
                 "hand-over": services.complaint_hand_over}
ACTION_LABELS = {
    "create": gettext_lazy("Filed"),
    "forward": gettext_lazy("Forward to the handling unit"),
    "reply": gettext_lazy("Reply to the customer"),
    "return-visit": gettext_lazy("Return visit"),
    "escalate": gettext_lazy("Raise the class"),
    "close": pgettext_lazy("complaint action", "Close"),
    "reject": gettext_lazy("Reject as invalid"),
    "acknowledge": gettext_lazy("Feedback to sales"),
    "propose-finding": gettext_lazy("Propose accountability"),
    "decide-finding": gettext_lazy("HR decision"),
    "hand-over": gettext_lazy("Hand over"),
}
ACTION_STYLES = {"reject": "danger", "escalate": "secondary", "propose-finding": "secondary"}


# --- who may see which page ---------------------------------------------------

def may_see_queue(user) -> bool:
    return (user.has_role(Role.HANDLER) and bool(user.unit_id)) or user.has_role(*OVERVIEW_ROLES)


def may_see_overview(user) -> bool:
    return user.has_role(*OVERVIEW_ROLES)


def may_read_case_studies(user) -> bool:
    return user.has_role(*CASE_STUDY_ROLES)


def may_see_findings(user) -> bool:
    return user.has_role(*FINDING_ROLES)


def may_see_findings_on_sheet(user) -> bool:
    """Accountability names a person: not for partner systems (seeds/001, privacy)."""
    return user.roles != {Role.PARTNER}


# --- helpers -------------------------------------------------------------------

def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _visible_complaint(user, pk) -> Complaint:
    """The complaint with what the pages show, or 404 if this user may not see it."""
    return get_object_or_404(selectors.with_list_relations(selectors.complaints_visible_to(user)), pk=pk)


def _decorate(request, complaint):
    """Label each prefetched deadline, note the nearest open one and the phone this user may see."""
    complaint.next_deadline = None
    for deadline in complaint.deadlines.all():
        deadline.label = kind_label(deadline.kind)
        deadline.countdown = duration_text(deadline.seconds_left)
        if deadline.is_open and complaint.next_deadline is None:
            complaint.next_deadline = deadline
    policy = phone_policy_for(request)
    complaint.phone = customer_shown(policy, complaint)["phone"]
    show_as_sent(policy, complaint)  # a partner sees the customer as it sent it
    return complaint


def _overdue():
    return Exists(Deadline.objects.filter(complaint=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True,
                                          due_at__lt=timezone.now()))


def _history(complaint):
    states = dict(Complaint.State.choices)
    events = list(selectors.complaint_history(complaint))
    unit_ids = {e.data.get("handling_unit") for e in events if (e.data or {}).get("handling_unit")}
    units = Unit.objects.in_bulk(unit_ids) if unit_ids else {}
    for event in events:
        data = event.data or {}
        event.label = ACTION_LABELS.get(event.action, event.action)
        event.from_label = states.get(event.from_state, event.from_state)
        event.to_label = states.get(event.to_state, event.to_state)
        event.detail = ""
        if data.get("handling_unit") in units:
            event.detail = units[data["handling_unit"]].name
        elif "complaint_class" in data:
            event.detail = _("class %(level)s") % {"level": data["complaint_class"]}
        elif "satisfied" in data:
            event.detail = _("satisfied") if data["satisfied"] else _("disputed")
        elif data.get("person"):
            event.detail = data["person"]
        elif data.get("head_signed_by"):
            event.detail = _("signed by %(name)s") % {"name": data["head_signed_by"]}
    return events


def _finding_people():
    """Who a finding may name, offered in a datalist (the form defaults to the technician complained about)."""
    people = User.objects.filter(is_active=True).exclude(groups__name__in=[Role.PARTNER, Role.TELEPHONY])
    return people.order_by("username").distinct()[:300]


def _action_forms(request, complaint, *, failed=None, errors=None, values=None):
    """One form per action this user may take on this complaint now."""
    user = request.user
    names = selectors.complaint_actions_for(user, complaint)
    if complaint.complaint_class >= 3 and "escalate" in names:
        names.remove("escalate")  # the class only goes up
    if complaint.handling_unit_id and selectors.user_may_take(user, complaint, "propose-finding"):
        names.append("propose-finding")
    forms = []
    for name in names:
        form = {
            "name": name, "label": ACTION_LABELS[name], "style": ACTION_STYLES.get(name, "primary"),
            "url": reverse("complaint-action", args=[complaint.pk, name]),
            "errors": (errors or {}) if name == failed else {},
            "values": (values or {}) if name == failed else {},
            "open": name == failed,
        }
        if name == "forward":
            form["suggested"] = selectors.suggested_unit(complaint)
            form["targets"] = list(selectors.forward_targets().order_by("kind", "name"))
            if name != failed and form["suggested"]:
                form["values"] = {"handling_unit": str(form["suggested"].pk)}
        elif name == "escalate":
            form["classes"] = [level for level in (2, 3) if level > complaint.complaint_class]
        elif name == "propose-finding":
            form["people"] = _finding_people()
            technician = complaint.technician
            if name != failed and technician is not None:
                form["values"] = {"person": technician.user.username}
        forms.append(form)
    # The way forward first, the ways out last.
    forms.sort(key=lambda f: ("primary", "secondary", "danger").index(f["style"]))
    return forms


def _sheet_context(request, complaint):
    """What the task sheet shows, on the page and on paper."""
    _decorate(request, complaint)
    user = request.user
    findings = []
    if may_see_findings_on_sheet(user):
        findings = list(complaint.findings.select_related("person", "proposed_by", "decided_by").order_by("proposed_at"))
    return {
        "complaint": complaint,
        "history": _history(complaint),
        "findings": findings,
        "show_findings": may_see_findings_on_sheet(user),
        "case_study": getattr(complaint, "case_study", None),
    }


def _hand_over_form(request, complaint, *, failed=None, errors=None, values=None):
    """The owner card's form (first-question responsibility), for those who may hand the complaint over."""
    if not selectors.complaint_owner_actions_for(request.user, complaint):
        return None
    return {
        "name": "hand-over", "label": ACTION_LABELS["hand-over"],
        "url": reverse("complaint-action", args=[complaint.pk, "hand-over"]),
        "targets": hand_over_targets().exclude(pk=complaint.owner_id),
        "errors": (errors or {}) if failed == "hand-over" else {},
        "values": (values or {}) if failed == "hand-over" else {},
        "open": failed == "hand-over",
    }


def _detail_context(request, complaint, **form_state):
    context = _sheet_context(request, complaint)
    complaint.forms = _action_forms(request, complaint, **form_state)
    complaint.hand_over_form = _hand_over_form(request, complaint, **form_state)
    context["customer_complaints"] = (
        selectors.complaints_visible_to(request.user).filter(customer_id=complaint.customer_id).count())
    return context


def _render_panel(request, pk, *, status=200, **form_state):
    """The part of the page an action changes: the whole task-sheet panel.
    Messages ride along out of band."""
    complaint = _visible_complaint(request.user, pk)
    context = _detail_context(request, complaint, **form_state)
    if not _is_htmx(request):
        return render(request, "complaints/complaint_detail.html", context, status=status)
    return render(request, "complaints/_panel.html", {**context, "oob_messages": True}, status=status)


def _go(request, url):
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _input_data(post, input_class):
    """The posted fields the serializer knows; a field not posted stays absent
    (so an unanswered "satisfied" is "required", not false)."""
    return {name: post.get(name, "") for name in input_class().fields if name in post}


# --- pages ---------------------------------------------------------------------

def _search(value):
    condition = Q(number__iexact=value) | Q(customer__name__icontains=value)
    number = normalize_phone(value)
    if len(number) >= 7:
        condition |= Q(customer__phones__number=number)
    return condition


@login_required
def complaint_list(request):
    user = request.user
    if not selectors.user_may_read_complaints(user):
        raise Forbidden
    filterset = ComplaintFilter(request.GET or None, queryset=selectors.complaints_visible_to(user))
    complaints = filterset.qs
    q = request.GET.get("q", "").strip()
    if q:
        complaints = complaints.filter(_search(q)).distinct()
    complaints = selectors.with_list_relations(complaints).annotate(overdue=_overdue())
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    for complaint in page:
        _decorate(request, complaint)
    customer_id = request.GET.get("customer", "")
    customer = None
    if customer_id.isdigit():
        # Named only from a complaint this user may see.
        customer = next((c.customer for c in page if c.customer_id == int(customer_id)), None)
    selected = {key: request.GET.get(key, "") for key in ("state", "category", "complaint_class", "overdue", "q",
                                                          "customer")}
    return render(request, "complaints/complaint_list.html", {
        "page": page,
        "states": Complaint.State.choices,
        "categories": Complaint.Category.choices,
        "classes": [1, 2, 3],
        "selected": selected,
        "filtered": any(selected.values()),
        "customer_id": customer_id if customer_id.isdigit() else "",
        "customer": customer,
        "may_create": selectors.user_may_create_complaints(user),
        "tab": "list",
    })


def _prefill(request, work_orders) -> dict:
    """?work_order=<id>&phone=... from the call-center console: the caller's
    file and the order the complaint is about."""
    initial = {}
    order_id = request.GET.get("work_order", "")
    if order_id.isdigit():
        order = work_orders.select_related("customer", "address").prefetch_related("customer__phones").filter(
            pk=order_id).first()
        if order is not None:
            policy = phone_policy_for(request)
            show_as_sent(policy, order)  # a partner's own order: what it sent, not the file
            initial.update(work_order=order.number, customer_name=order.customer.name,
                           customer_address=order.address.text if order.address else "")
            if policy.visible(customer=order.customer, order=order):
                initial["customer_phone"] = policy.first_phone(order.customer, order=order)
    phone = request.GET.get("phone", "").strip()
    if phone:
        initial["customer_phone"] = phone
        customer = customer_find_by_phone(phone) if request.user.roles != {Role.PARTNER} else None
        if customer is not None:
            initial["customer_name"] = customer.name
            address = customer.addresses.order_by("-id").first()
            if address and not initial.get("customer_address"):
                initial["customer_address"] = address.text
    return initial


@login_required
def complaint_new(request):
    user = request.user
    if not selectors.user_may_create_complaints(user):
        raise Forbidden
    work_orders = work_orders_visible_to(user)
    if request.method == "POST":
        form = ComplaintCreateForm(request.POST, work_orders=work_orders)
        if form.is_valid():
            try:
                complaint, _created = services.complaint_create(by=user, **form.validated)
            except ValidationFailed as exc:
                form.add_error(form.field_for(exc.field), str(exc.message))
            else:
                messages.success(request, _("Complaint %(number)s filed as class %(level)d: %(reason)s") % {
                    "number": complaint.number, "level": complaint.complaint_class, "reason": complaint.class_reason})
                return redirect("complaint-detail", pk=complaint.pk)
    else:
        form = ComplaintCreateForm(initial=_prefill(request, work_orders), work_orders=work_orders)
    return render(request, "complaints/complaint_form.html", {
        "form": form, "repeat_days": selectors.repeat_window().days,
    }, status=400 if form.errors else 200)


@login_required
def complaint_detail(request, pk):
    complaint = _visible_complaint(request.user, pk)
    return render(request, "complaints/complaint_detail.html", _detail_context(request, complaint))


@login_required
def complaint_print(request, pk):
    complaint = _visible_complaint(request.user, pk)
    return render(request, "complaints/complaint_print.html", _sheet_context(request, complaint))


@login_required
def complaint_queue(request):
    user = request.user
    if not may_see_queue(user):
        raise Forbidden
    units, unit = None, None
    if user.has_role(Role.HANDLER) and user.unit_id:
        unit = user.unit
    else:
        # Supervisors and managers look at any unit's queue.
        units = list(selectors.forward_targets().order_by("kind", "name"))
        chosen = request.GET.get("unit", "")
        unit = next((u for u in units if str(u.pk) == chosen), None)
    complaints = []
    if unit is not None:
        complaints = list(selectors.with_list_relations(selectors.unit_queue(unit.pk))[:QUEUE_LIMIT])
        for complaint in complaints:
            _decorate(request, complaint)
    return render(request, "complaints/complaint_queue.html", {
        "unit": unit, "units": units, "complaints": complaints, "tab": "queue",
    })


@login_required
def complaint_overview(request):
    if not may_see_overview(request.user):
        raise Forbidden
    data = selectors.overview()
    counts = {(r["complaint_class"], r["category"]): r["n"] for r in data["by_class_category"]}
    categories = Complaint.Category.choices
    matrix = []
    for level in (1, 2, 3):
        cells = [counts.get((level, value), 0) for value, _label in categories]
        matrix.append({"level": level, "cells": cells, "total": sum(cells)})
    column_totals = [sum(row["cells"][i] for row in matrix) for i in range(len(categories))]
    found = {r["kind"]: r for r in data["steps"]}
    steps = [{"kind": kind, "label": kind_label(kind), **found.get(kind, {"total": 0, "on_time": 0, "rate": None})}
             for kind in LOOP_STEPS]
    for complaint in data["class3_open"]:
        _decorate(request, complaint)
    return render(request, "complaints/complaint_overview.html", {
        "categories": categories, "matrix": matrix, "column_totals": column_totals, "open_total": data["open_total"],
        "steps": steps, "class3": data["class3_open"], "tab": "overview",
    })


@login_required
def case_study_list(request):
    if not may_read_case_studies(request.user):
        raise Forbidden
    studies = CaseStudy.objects.select_related("complaint", "written_by").order_by("-written_at", "-id")
    q = request.GET.get("q", "").strip()
    if q:
        studies = studies.filter(Q(title__icontains=q) | Q(body__icontains=q) | Q(complaint__number__iexact=q))
    page = Paginator(studies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/case_study_list.html", {"page": page, "q": q, "tab": "case-studies"})


@login_required
def case_study_detail(request, pk):
    if not may_read_case_studies(request.user):
        raise Forbidden
    study = get_object_or_404(CaseStudy.objects.select_related("complaint__handling_unit", "written_by"), pk=pk)
    may_open = selectors.complaints_visible_to(request.user).filter(pk=study.complaint_id).exists()
    return render(request, "complaints/case_study_detail.html", {
        "study": study, "complaint": study.complaint, "may_open_complaint": may_open, "tab": "case-studies"})


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
    if not may_see_findings(request.user):
        raise Forbidden
    return _findings_page(request)


@login_required
def finding_decide(request, pk):
    if request.method != "POST":
        return redirect("finding-list")
    if not may_see_findings(request.user):
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
        messages.error(request, page_text(exc))
        return redirect("finding-list")
    messages.success(request, _("Decision recorded on complaint %(number)s (%(person)s); the accepting unit is "
                                "informed.") % {"number": finding.complaint.number,
                                                "person": finding.person.display_name})
    return redirect(reverse("finding-list") + f"?state={Finding.State.PROPOSED}")


# --- actions (htmx) ----------------------------------------------------------

@login_required
def complaint_action(request, pk, action):
    if action not in PAGE_SERVICES:
        raise Http404
    if request.method != "POST":
        return redirect("complaint-detail", pk=pk)
    complaint = _visible_complaint(request.user, pk)
    input_class = ACTION_INPUTS[action]
    values = {name: request.POST.get(name, "") for name in input_class().fields}
    data = input_class(data=_input_data(request.POST, input_class))
    if not data.is_valid():
        errors = {field: [str(m) for m in msgs] for field, msgs in data.errors.items()}
        return _render_panel(request, complaint.pk, status=400, failed=action, errors=errors, values=values)
    try:
        PAGE_SERVICES[action](complaint_id=complaint.pk, by=request.user, **data.validated_data)
    except ApplicationError as exc:
        if exc.field in data.fields:
            return _render_panel(request, complaint.pk, status=exc.status, failed=action,
                                 errors={exc.field: [str(exc.message)]}, values=values)
        messages.error(request, page_text(exc, ACTION_LABELS.get(action)))
        if not _is_htmx(request):
            return redirect("complaint-detail", pk=complaint.pk)
        return _render_panel(request, complaint.pk, status=exc.status)

    fresh = Complaint.objects.get(pk=complaint.pk)
    if action == "propose-finding":
        messages.success(request, _("Accountability proposed to HR on complaint %(number)s.") % {
            "number": fresh.number})
    elif action == "hand-over":
        messages.success(request, _("Complaint %(number)s handed over to %(name)s.") % {
            "number": fresh.number, "name": fresh.owner.display_name})
    else:
        messages.success(request, _("%(action)s: complaint %(number)s is now “%(state)s”.") % {
            "action": ACTION_LABELS[action], "number": fresh.number, "state": fresh.get_state_display()})
    if not selectors.complaints_visible_to(request.user).filter(pk=complaint.pk).exists():
        return _go(request, reverse("complaint-list"))
    if not _is_htmx(request):
        return redirect("complaint-detail", pk=complaint.pk)
    return _render_panel(request, complaint.pk)
