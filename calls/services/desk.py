"""What the call center does on a call by hand: open a walk-in, WeChat or
e-mail contact, end a call, hand its question over, file things from it,
note an inquiry."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from servicedesk.core.errors import PermissionDenied, ValidationFailed
from servicedesk.core.transitions import run_action
from servicedesk.customers.services import customer_find_by_phone
from servicedesk.notifications.titles import Title
from servicedesk.ownership.handover import hand_over

from ..models import Call, CallLink, Inquiry
from ..selectors import ACTION_RULES, HAND_OVER_ROLES, user_may_take
from .machines import CALL_MACHINE, clean_phone, require_text


def call_open_manual(*, channel, caller="", by, customer=None, note="") -> Call:
    """A walk-in, WeChat message or e-mail taken by `by`: answered at once,
    owned by them; no answer deadline (the 3-ring rule is for the phone)."""
    if not by.has_role(*ACTION_RULES["open"]["roles"]):
        raise PermissionDenied(_("Your role may not open calls."))
    if channel not in Call.Channel.values or channel == Call.Channel.PHONE:
        raise ValidationFailed(_("Phone calls are reported by the switch; choose walk-in, WeChat or e-mail."),
                               field="channel", code="channel_invalid")
    number = clean_phone(caller)
    now = timezone.now()
    with transaction.atomic():
        call = Call.objects.create(
            channel=channel, caller=number, customer=customer or (customer_find_by_phone(number) if number else None),
            rang_at=now, created_by=by, note=(note or "").strip(),
        )
        call.answer(agent=by, at=now)
        call.save()
        CALL_MACHINE.record(obj=call, action="open", from_state=Call.State.RINGING, by=by, at=now,
                            data={"channel": channel})
    return call


def call_end(*, call_id, by, note="") -> Call:
    """End a call by hand (a walk-in left, or the switch lost the hang-up)."""
    return run_action(CALL_MACHINE, pk=call_id, lookup="call_id", action="end", by=by, note=note, stamp=True)


def call_hand_over(*, call_id, to, note, by) -> Call:
    """First-question responsibility (seeds/000): the owner keeps the
    question until they hand it over explicitly, with a note
    (servicedesk.ownership.handover, the same for every object). A call's
    question goes only to the call center: the others may not open a call."""
    note = require_text(note, "note")
    if to is not None and to.is_active and not to.has_role(*HAND_OVER_ROLES):
        raise ValidationFailed(_("Hand over to an active agent or supervisor."), field="to",
                               code="hand_over_target_role")
    return hand_over(CALL_MACHINE, pk=call_id, lookup="call_id", by=by, to=to, note=note,
                     already_owned=_("This person already owns the call."),
                     # Facts, said in the new owner's language; the whole call id, never cut.
                     title=lambda call: Title(gettext_noop("Call %(id)s was handed over to you"), {"id": call.call_id}))


def call_link(*, call, subject, by) -> CallLink:
    """Record that `subject` (a work order, complaint or inquiry) was filed
    from the call: it shows the call's owner. Idempotent: the history row
    only when the link is new, whatever the call's state."""
    call_id = call.call_id if isinstance(call, Call) else call
    with transaction.atomic():
        call = CALL_MACHINE.lock(call_id, lookup="call_id")
        if not user_may_take(by, call, "link"):
            raise PermissionDenied(CALL_MACHINE.denied_message("link"))
        ct = ContentType.objects.get_for_model(subject)
        link, created = CallLink.objects.get_or_create(
            call=call, content_type=ct, object_id=subject.pk, defaults={"by": by, "at": timezone.now()},
        )
        if created:
            CALL_MACHINE.record(obj=call, action="link", from_state=call.state, by=by, at=link.at,
                                data={"type": subject._meta.label_lower, "id": subject.pk, "label": str(subject)})
    return link


def inquiry_create(*, text, by, call=None, customer=None, answer="") -> Inquiry:
    if not by.has_role(*ACTION_RULES["inquiry"]["roles"]):
        raise PermissionDenied(_("Your role may not record inquiries."))
    text = require_text(text, "text")
    with transaction.atomic():
        if call is not None and customer is None:
            customer = call.customer
        inquiry = Inquiry.objects.create(call=call, customer=customer, text=text, answer=(answer or "").strip(), by=by)
        if call is not None:
            call_link(call=call, subject=inquiry, by=by)
    return inquiry
