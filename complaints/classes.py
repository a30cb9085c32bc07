"""A complaint's class on receipt (domain.md section 4, seeds/002; the
contract's rule): 3 when the media have it, 2 when the customer complains
outside the company or again within the repeat window, else 1."""

from django.utils.translation import gettext_noop

from servicedesk.notifications.titles import Title

from .models import Complaint
from .selectors import repeat_window


def class_on_receipt(*, customer, media, external, received_at, exclude_pk=None):
    """The contract's rule: 3 when media; 2 when external or the same customer
    has another complaint within the repeat window; else 1. The reason as a
    Title: rendered for the complaint and its history, kept as facts for the
    notifications."""
    if media:
        return 3, Title(gettext_noop("The complaint has reached the media."), {})
    if external:
        return 2, Title(gettext_noop("The customer wants to complain outside the company."), {})
    # Both ways: a complaint entered late with its real, earlier receipt time is
    # no repeat of one received more than the window after it.
    others = Complaint.objects.filter(customer=customer, received_at__range=(
        received_at - repeat_window(), received_at + repeat_window()))
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        return 2, Title(gettext_noop("A repeated complaint: the customer complained within the last %(days)d days."), {
            "days": repeat_window().days})
    return 1, Title(gettext_noop("A first complaint."), {})
