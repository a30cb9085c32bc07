"""The task sheet of seeds/000 (客户意见处理任务单): the complaint with its
history, findings and case study, with a form for each action the user may
take now; on the page and on paper."""

import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Unit, User
from servicedesk.accounts.roles import Role
from servicedesk.core.pages import is_htmx
from servicedesk.ownership.handover import hand_over_targets

from .. import selectors
from ..models import Complaint
from .common import ACTION_LABELS, ACTION_STYLES, decorate, visible_complaint


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
        # The create row says when the complaint was received (it may be filed
        # later, back-dated, as seed_demo and late entries do); the row itself
        # keeps when it was recorded, shown beside it when that is another minute.
        event.shown_at, event.recorded_at = event.at, None
        if event.action == "create" and complaint.received_at:
            event.shown_at = complaint.received_at
            if abs(event.at - complaint.received_at) >= datetime.timedelta(minutes=1):
                event.recorded_at = event.at
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


def _forward_form(complaint, form, *, failed):
    """issue 13 item 8: the unit the cause points to (seeds/004) is chosen
    already, among the units a complaint may go to."""
    targets = list(selectors.forward_targets().order_by("kind", "name"))
    suggested = selectors.suggested_unit(complaint)
    form["targets"] = targets
    form["suggested"] = suggested if suggested is not None and suggested in targets else None
    if failed != "forward" and form["suggested"] is not None:
        form["values"] = {"handling_unit": str(form["suggested"].pk)}


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
            _forward_form(complaint, form, failed=failed)
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


def sheet_context(request, complaint):
    """What the task sheet shows, on the page and on paper."""
    decorate(request, complaint)
    user = request.user
    findings = []
    if selectors.may_see_findings_on_sheet(user):
        findings = list(
            complaint.findings.select_related("person", "proposed_by", "decided_by").order_by("proposed_at")
        )
    return {
        "complaint": complaint,
        "history": _history(complaint),
        "findings": findings,
        "show_findings": selectors.may_see_findings_on_sheet(user),
        "case_study": getattr(complaint, "case_study", None),
    }


def detail_context(request, complaint, **form_state):
    context = sheet_context(request, complaint)
    complaint.forms = _action_forms(request, complaint, **form_state)
    complaint.hand_over_form = _hand_over_form(request, complaint, **form_state)
    context["customer_complaints"] = (
        selectors.complaints_visible_to(request.user).filter(customer_id=complaint.customer_id).count())
    return context


def render_panel(request, pk, *, status=200, **form_state):
    """The part of the page an action changes: the whole task-sheet panel.
    Messages ride along out of band."""
    complaint = visible_complaint(request.user, pk)
    context = detail_context(request, complaint, **form_state)
    if not is_htmx(request):
        return render(request, "complaints/complaint_detail.html", context, status=status)
    return render(request, "complaints/_panel.html", {**context, "oob_messages": True}, status=status)


@login_required
def complaint_detail(request, pk):
    complaint = visible_complaint(request.user, pk)
    return render(request, "complaints/complaint_detail.html", detail_context(request, complaint))


@login_required
def complaint_print(request, pk):
    complaint = visible_complaint(request.user, pk)
    return render(request, "complaints/complaint_print.html", sheet_context(request, complaint))
