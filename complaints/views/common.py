"""What the complaint pages share: labels of the actions, how a complaint is
decorated for a page, and the htmx answers."""

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from servicedesk.core.labels import kind_label
from servicedesk.core.pages import duration_text
from servicedesk.customers.selectors import customer_shown, phone_policy_for, show_as_sent
from servicedesk.deadlines.models import Deadline

from .. import selectors
from ..models import Complaint

PAGE_SIZE = 25

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
    "close-at-once": gettext_lazy("Handle directly and close"),
}
ACTION_STYLES = {"reject": "danger", "escalate": "secondary", "propose-finding": "secondary",
                 "close-at-once": "secondary"}


def visible_complaint(user, pk) -> Complaint:
    """The complaint with what the pages show, or 404 if this user may not see it."""
    return get_object_or_404(selectors.with_list_relations(selectors.complaints_visible_to(user)), pk=pk)


def decorate(request, complaint):
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


def overdue():
    return Exists(Deadline.objects.filter(complaint=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True,
                                          due_at__lt=timezone.now()))


def error_tags(exc) -> str:
    """A domain error's message carries its stable code (contract: Error
    codes), as the pages' middleware does."""
    return f"code-{exc.code}"
