"""The task sheet's actions, posted by its forms (htmx or plain): the same
input serializer as the API's view of the action, the same service; the
answer is the sheet's panel again, with the errors by the field or the
message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from servicedesk.core.errors import ApplicationError, page_text
from servicedesk.core.pages import htmx_redirect as go
from servicedesk.core.pages import is_htmx
from servicedesk.ownership.serializers import HandOverInput

from .. import selectors, services
from ..at_once import complaint_close_at_once
from ..models import Complaint
from ..serializers import (
    CloseAtOnceInput,
    CloseInput,
    ComplaintNoteInput,
    ComplaintReasonInput,
    EscalateInput,
    FindingInput,
    ForwardInput,
    ReplyInput,
    ReturnVisitInput,
)
from .common import ACTION_LABELS, error_tags, visible_complaint
from .sheet import render_panel

# The same input serializer for each action as the API's view of it.
ACTION_INPUTS = {
    "forward": ForwardInput, "reply": ReplyInput, "return-visit": ReturnVisitInput, "escalate": EscalateInput,
    "close": CloseInput, "reject": ComplaintReasonInput, "acknowledge": ComplaintNoteInput,
    "propose-finding": FindingInput, "hand-over": HandOverInput, "close-at-once": CloseAtOnceInput,
}
PAGE_SERVICES = {**services.ACTION_SERVICES, "propose-finding": services.finding_propose,
                 "hand-over": services.complaint_hand_over, "close-at-once": complaint_close_at_once}


def _input_data(post, input_class):
    """The posted fields the serializer knows; a field not posted stays absent
    (so an unanswered "satisfied" is "required", not false)."""
    return {name: post.get(name, "") for name in input_class().fields if name in post}


def _done_message(action, complaint):
    if action == "propose-finding":
        return _("Accountability proposed to HR on complaint %(number)s.") % {"number": complaint.number}
    if action == "hand-over":
        return _("Complaint %(number)s handed over to %(name)s.") % {
            "number": complaint.number, "name": complaint.owner.display_name}
    return _("%(action)s: complaint %(number)s is now “%(state)s”.") % {
        "action": ACTION_LABELS[action], "number": complaint.number, "state": complaint.get_state_display()}


@login_required
def complaint_action(request, pk, action):
    if action not in PAGE_SERVICES:
        raise Http404
    if request.method != "POST":
        return redirect("complaint-detail", pk=pk)
    complaint = visible_complaint(request.user, pk)
    input_class = ACTION_INPUTS[action]
    values = {name: request.POST.get(name, "") for name in input_class().fields}
    data = input_class(data=_input_data(request.POST, input_class))
    if not data.is_valid():
        errors = {field: [str(m) for m in msgs] for field, msgs in data.errors.items()}
        return render_panel(request, complaint.pk, status=400, failed=action, errors=errors, values=values)
    try:
        PAGE_SERVICES[action](complaint_id=complaint.pk, by=request.user, **data.validated_data)
    except ApplicationError as exc:
        if exc.field in data.fields:
            return render_panel(request, complaint.pk, status=exc.status, failed=action,
                                errors={exc.field: [str(exc.message)]}, values=values)
        messages.error(request, page_text(exc, ACTION_LABELS.get(action)), extra_tags=error_tags(exc))
        if not is_htmx(request):
            return redirect("complaint-detail", pk=complaint.pk)
        return render_panel(request, complaint.pk, status=exc.status)

    messages.success(request, _done_message(action, Complaint.objects.select_related("owner").get(pk=complaint.pk)))
    if not selectors.complaints_visible_to(request.user).filter(pk=complaint.pk).exists():
        return go(request, reverse("complaint-list"))
    if not is_htmx(request):
        return redirect("complaint-detail", pk=complaint.pk)
    return render_panel(request, complaint.pk)
