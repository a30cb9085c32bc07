"""Writes on complaints: the loop of seeds/000 on the deadline engine. Every
action runs through the one transition runner (servicedesk.core.transitions:
lock, who may take it per complaints.selectors, transition, history row,
effects, in one transaction); what stays here is the complaint's own: the
class rule, the working-day clocks of each step, who is told, the case study."""

import dataclasses

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from servicedesk.accounts.models import Unit, User
from servicedesk.accounts.roles import Role
from servicedesk.accounts.selectors import leadership, nearest_with_role, users_with_role
from servicedesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from servicedesk.core.transitions import Machine, run_action, run_state_kept
from servicedesk.customers.models import Customer
from servicedesk.customers.services import (
    address_add,
    customer_as_sent_by,
    customer_match_or_create,
    customer_product_add,
)
from servicedesk.deadlines.services import deadline_cancel_open, deadline_meet, deadline_start
from servicedesk.notifications.services import notifications_create
from servicedesk.notifications.titles import Title, render
from servicedesk.ownership.handover import hand_over
from tickets.models import WorkOrder

from .classes import class_on_receipt
from .models import ACTIONS, CaseStudy, Complaint, ComplaintEvent, Finding, actions_allowed_in
from .selectors import repeat_window, user_may_create_complaints, user_may_take


def _denied(action):
    if action == "hand-over":
        return _("Only the owner, a supervisor or a manager may hand this complaint over.")
    if action == "decide-finding":
        return _("Only HR decides on accountability.")
    return None


MACHINE = Machine(
    model=Complaint, history=ComplaintEvent, history_fk="complaint", actions=ACTIONS, may_take=user_may_take,
    allowed_in=actions_allowed_in, related=("customer", "owner"),
    # The permission first (the complaints' rule from the start): a role that
    # may never take the action hears 403 whatever the state.
    state_first=False, is_open=lambda complaint: complaint.is_open, denied_message=_denied,
)

#: Notes on the sheet that keep the state and are taken in any state, also on
#: a closed complaint: feedback to sales (refused by its own rule when nothing
#: waits for it) and accountability, which HR may decide after the complaint
#: closed.
NOTES = dataclasses.replace(MACHINE, is_open=None)

#: The class rule of the contract raising the customer's earlier complaints
#: when a repeat is filed: the rule acts, not the filer's role (a partner's
#: system may file a repeat but never escalates by hand).
BY_RULE = dataclasses.replace(MACHINE, may_take=lambda user, complaint, action: True)


def _attributes(complaint):
    return {"category": complaint.category, "source": complaint.source, "complaint_class": complaint.complaint_class,
            "vip": complaint.customer.vip}


def _notify_class(complaint, level, reason):
    """domain.md section 4 (seeds/002): class 2 informs the department
    manager; class 3 is reported at once to the CS manager and leadership."""
    managers = nearest_with_role(Role.MANAGER, complaint.accepting_unit_id)
    recipients = managers + (leadership() if level == 3 else [])
    # Facts, said in each reader's language (notifications/titles.py); a rule's
    # reason as its message, a person's reason as they wrote it.
    title = Title(gettext_noop("Complaint %(number)s is class %(level)d: %(reason)s"), {
        "number": complaint.number, "level": level,
        "reason": list(reason) if isinstance(reason, Title) else reason})
    notifications_create(recipients=recipients, title=title, body=complaint.description[:500],
                         url=complaint.get_absolute_url())


def complaint_create(
    *, by, customer, category, description, received_at=None, external=False, media=False, work_order=None,
    cause="", source=None, technician=None, product=None, external_ref="", address="",
) -> tuple[Complaint, bool]:
    if not user_may_create_complaints(by):
        raise PermissionDenied(_("Your role may not file complaints."))
    if not (description or "").strip():
        raise ValidationFailed(_("This field may not be blank."), field="description", code="blank")
    partner = by.partner if by.partner_id else None
    external_ref = (external_ref or "").strip()
    if partner and external_ref:
        existing = Complaint.objects.filter(partner=partner, external_ref=external_ref).first()
        if existing:
            return existing, False
    now = timezone.now()
    received_at = received_at or now
    # A partner refers by id only to customers of its own work orders (api.py).
    as_sent = customer_as_sent_by(customer=customer, address=address,
                                  earlier=WorkOrder.objects.filter(partner=partner)) if partner else None
    try:
        with transaction.atomic():
            if isinstance(customer, Customer):
                address_obj = address_add(customer=customer, text=address)
            else:
                customer, address_obj = customer_match_or_create(
                    name=customer["name"], phone=customer["phone"], address=customer.get("address", ""))
            # Lock the customer's file so two complaints at once see each other (class rule).
            Customer.objects.select_for_update().filter(pk=customer.pk).first()
            if product is not None and isinstance(product, dict):
                product = customer_product_add(customer=customer, **product)
            if technician is None and work_order is not None and work_order.technician_id:
                technician = work_order.technician
            level, rule = class_on_receipt(customer=customer, media=media, external=external, received_at=received_at)
            reason = render(*rule)
            complaint = Complaint.objects.create(
                category=category, cause=cause or "",
                source=source or (Complaint.Source.PARTNER if partner else Complaint.Source.PHONE),
                complaint_class=level, class_reason=reason, external=external, media=media, customer=customer,
                address=address_obj, product=product or (work_order.product if work_order else None),
                work_order=work_order, technician=technician, description=description.strip(), received_at=received_at,
                created_by=by, owner=by, accepting_unit=by.unit, partner=partner, external_ref=external_ref,
                customer_as_sent=as_sent,
            )
            complaint.number = f"CP{timezone.localtime(received_at):%Y%m%d}{complaint.pk:06d}"
            complaint.save(update_fields=["number"])
            MACHINE.record(obj=complaint, action="create", from_state="", by=by, at=now, note=reason,
                           data={"complaint_class": level})
            attributes = _attributes(complaint)
            # seeds/000: register within 1 working day, overall result within 5.
            for kind in ("register", "overall"):
                deadline_start(subject=complaint, kind=kind, start=received_at, attributes=attributes)
            if complaint.source == Complaint.Source.SALES:
                # seeds/002: feedback to the salesperson within 30 minutes.
                deadline_start(subject=complaint, kind="acknowledge", start=received_at, attributes=attributes)
            if level >= 2:
                _notify_class(complaint, level, rule)
            _raise_earlier_repeats(complaint, by=by)
    except IntegrityError:
        if partner and external_ref:
            existing = Complaint.objects.filter(partner=partner, external_ref=external_ref).first()
            if existing:
                return existing, False
        raise
    return complaint, True


def _raise_earlier_repeats(complaint, *, by):
    """A later repeat raises the customer's open class-1 complaints of the
    window to class 2 (domain.md section 4: a second or repeated complaint).
    Caller holds the customer's row lock."""
    earlier = Complaint.objects.select_for_update(of=("self",)).select_related("customer", "owner").filter(
        customer=complaint.customer, state__in=Complaint.OPEN_STATES, complaint_class=1,
        received_at__range=(complaint.received_at - repeat_window(), complaint.received_at + repeat_window()),
    ).exclude(pk=complaint.pk)
    rule = Title(gettext_noop("Repeated: the customer complained again (%(number)s)."), {"number": complaint.number})
    reason = render(*rule)
    for other in earlier:
        run_action(BY_RULE, pk=other.pk, obj=other, action="escalate", by=by, note=reason,
                   data={"complaint_class": 2, "repeat": complaint.pk},
                   kwargs={"complaint_class": 2, "reason": reason},
                   effects=lambda raised, at: _notify_class(raised, 2, rule))


# --- actions ---------------------------------------------------------------------


def _text(value, field, *, required=True):
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field may not be blank."), field=field, code="blank")
    return value


def complaint_forward(*, complaint_id, by, handling_unit: Unit, note="") -> Complaint:
    if not handling_unit.active or handling_unit.kind in (Unit.Kind.CALL_CENTER, Unit.Kind.HEADQUARTERS):
        raise ValidationFailed(_("Complaints are forwarded to a handling unit, a department or a station."),
                               field="handling_unit", code="not_a_handling_unit")

    def effects(complaint, at):
        deadline_meet(subject=complaint, kinds=["register"], at=at)
        # seeds/000: the handling unit replies within 3 working days of receiving the sheet.
        deadline_start(subject=complaint, kind="reply", start=at, attributes=_attributes(complaint))
        handlers = [u for u in users_with_role(Role.HANDLER) if u.unit_id == handling_unit.pk]
        notifications_create(
            recipients=handlers, url=complaint.get_absolute_url(),
            title=Title(gettext_noop("Complaint %(number)s forwarded to %(unit)s"), {
                "number": complaint.number, "unit": handling_unit.name}),
        )

    return run_action(MACHINE, pk=complaint_id, action="forward", by=by, note=note, effects=effects, stamp=True,
                      data={"handling_unit": handling_unit.pk}, kwargs={"handling_unit": handling_unit})


def complaint_reply(*, complaint_id, by, result, investigation="", head_signed_by="") -> Complaint:
    result = _text(result, "result")

    def effects(complaint, at):
        deadline_meet(subject=complaint, kinds=["reply", "overall"], at=at)
        # seeds/000: return visit within 2 working days of getting the result back.
        deadline_start(subject=complaint, kind="return_visit", start=at, attributes=_attributes(complaint))

    return run_action(MACHINE, pk=complaint_id, action="reply", by=by, note=result, effects=effects, stamp=True,
                      data={"head_signed_by": head_signed_by or ""},
                      kwargs={"result": result, "investigation": (investigation or "").strip(),
                              "head_signed_by": (head_signed_by or "").strip(), "replier": by})


def complaint_return_visit(*, complaint_id, by, satisfied: bool, note="") -> Complaint:
    if satisfied is None:
        raise ValidationFailed(_("This field is required."), field="satisfied", code="required")
    note = (note or "").strip()
    if satisfied:
        return run_action(MACHINE, pk=complaint_id, action="return-visit", by=by, note=note, stamp=True,
                          data={"satisfied": True},
                          effects=lambda c, at: deadline_meet(subject=c, kinds=["return_visit"], at=at),
                          kwargs={"satisfied": True, "note_text": note})

    def disputed(complaint, at):
        # seeds/000 step 3: the handling unit is told at once; a new reply clock runs.
        deadline_meet(subject=complaint, kinds=["return_visit"], at=at)
        deadline_start(subject=complaint, kind="reply", start=at, attributes=_attributes(complaint))
        handlers = [u for u in users_with_role(Role.HANDLER) if u.unit_id == complaint.handling_unit_id]
        notifications_create(
            recipients=handlers, url=complaint.get_absolute_url(),
            title=Title(gettext_noop("Complaint %(number)s: the customer disputes the result"), {
                "number": complaint.number}),
            body=note,
        )

    return run_action(MACHINE, pk=complaint_id, action="return-visit", method="dispute", by=by, note=note, stamp=True,
                      data={"satisfied": False}, effects=disputed, kwargs={"note_text": note})


def complaint_escalate(*, complaint_id, by, complaint_class, reason) -> Complaint:
    reason = _text(reason, "reason")
    try:
        level = int(complaint_class)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Give 2 or 3."), field="complaint_class", code="invalid_class") from None
    if level not in (2, 3):
        raise ValidationFailed(_("Give 2 or 3."), field="complaint_class", code="invalid_class")

    def check(complaint):
        if level <= complaint.complaint_class:
            raise ValidationFailed(
                _("The class can only go up: it is %(current)d now.") % {"current": complaint.complaint_class},
                field="complaint_class", code="class_only_goes_up")

    return run_action(MACHINE, pk=complaint_id, action="escalate", by=by, note=reason, check=check,
                      data={"complaint_class": level}, kwargs={"complaint_class": level, "reason": reason},
                      effects=lambda c, at: _notify_class(c, level, reason))


def complaint_close(*, complaint_id, by, case_study="", improvement="", case_title="") -> Complaint:
    case_study = (case_study or "").strip()
    improvement = (improvement or "").strip()

    def check(complaint):
        if complaint.complaint_class == 3 and not case_study:
            raise ValidationFailed(_("A class-3 complaint closes only with its case study."), field="case_study",
                                   code="case_study_required")

    def effects(complaint, at):
        deadline_cancel_open(subject=complaint, at=at)
        if case_study:
            CaseStudy.objects.create(
                complaint=complaint,
                title=(case_title or "").strip() or f"{complaint.number}: {complaint.description[:80]}",
                body=case_study, written_by=by, written_at=at,
            )

    return run_action(MACHINE, pk=complaint_id, action="close", by=by, check=check, effects=effects, stamp=True,
                      note=improvement, kwargs={"improvement": improvement})


def complaint_reject(*, complaint_id, by, reason) -> Complaint:
    """seeds/004: an invalid complaint is answered at once, with reasons."""
    reason = _text(reason, "reason")

    def effects(complaint, at):
        deadline_meet(subject=complaint, kinds=["register", "overall", "acknowledge"], at=at)

    return run_action(MACHINE, pk=complaint_id, action="reject", by=by, note=reason, effects=effects, stamp=True,
                      kwargs={"reason": reason})


def complaint_acknowledge(*, complaint_id, by, note) -> Complaint:
    """Feedback to the salesperson who forwarded the complaint (seeds/002)."""
    note = _text(note, "note")

    def change(complaint, at):
        if not deadline_meet(subject=complaint, kinds=["acknowledge"], at=at):
            raise ValidationFailed(_("Nothing is waiting for an acknowledgement."), field="note",
                                   code="nothing_to_acknowledge")

    return run_state_kept(NOTES, pk=complaint_id, action="acknowledge", by=by, note=note, change=change)


def finding_propose(*, complaint_id, by, person: User, rule, proposal) -> Finding:
    """The handling unit names the person, the rule broken and a proposal; HR
    is told (seeds/000 step 4). A row in the complaint's history."""
    rule, proposal = _text(rule, "rule"), _text(proposal, "proposal")

    proposed = {}

    def change(complaint, at):
        proposed["finding"] = finding = Finding.objects.create(
            complaint=complaint, person=person, rule=rule, proposal=proposal, proposed_by=by, proposed_at=at)
        notifications_create(
            recipients=users_with_role(Role.HR), url=complaint.get_absolute_url(),
            title=Title(gettext_noop("Accountability proposed for %(person)s (complaint %(number)s)"), {
                "person": person.display_name, "number": complaint.number}),
            body=proposal)
        return finding

    run_state_kept(NOTES, pk=complaint_id, action="propose-finding", by=by, note=rule, change=change,
                   data=lambda complaint, finding: {"finding": finding.pk, "person": person.username})
    return proposed["finding"]


def finding_decide(*, finding_id, by, decision) -> Finding:
    """HR decides; the decision is copied to the accepting unit (seeds/000).

    A finding's two states (proposed, decided) have no history table of their
    own: both steps are rows of the complaint's history, so the complaint's
    runner takes the decision as a note that keeps the complaint's state, and
    the finding's own state is checked under its row lock here."""
    decision = _text(decision, "decision")
    if not by.has_role(Role.HR):
        raise PermissionDenied(_denied("decide-finding"))
    # The complaint a finding belongs to never changes: read it without a lock.
    complaint_id = Finding.objects.values_list("complaint_id", flat=True).get(pk=finding_id)
    locked = {}

    def check(complaint):
        # The complaint's row lock first, then the finding's: the order finding_propose takes them in.
        finding = Finding.objects.select_for_update(of=("self",)).select_related("person").get(pk=finding_id)
        if finding.state != Finding.State.PROPOSED:
            raise InvalidTransition(action="decide", state=finding.state, state_label=finding.get_state_display(),
                                    allowed=[])
        locked["finding"] = finding

    def change(complaint, at):
        finding = locked["finding"]
        finding.complaint = complaint
        finding.state, finding.decision, finding.decided_by, finding.decided_at = (Finding.State.DECIDED, decision,
                                                                                   by, at)
        finding.save(update_fields=["state", "decision", "decided_by", "decided_at"])
        copy_to = (list(User.objects.filter(unit_id=complaint.accepting_unit_id, is_active=True))
                   if complaint.accepting_unit_id else [])
        notifications_create(
            recipients=copy_to + ([complaint.owner] if complaint.owner_id else []), url=complaint.get_absolute_url(),
            title=Title(gettext_noop("HR decision on complaint %(number)s: %(person)s"), {
                "number": complaint.number, "person": finding.person.display_name}),
            body=decision)

    run_state_kept(NOTES, pk=complaint_id, action="decide-finding", by=by, note=decision, check=check, change=change,
                   data={"finding": finding_id})
    return locked["finding"]


def complaint_hand_over(*, complaint_id, by, to, note) -> Complaint:
    """First-question responsibility (seeds/000; servicedesk.ownership): the
    complaint stays its owner's until answered or formally handed over. A
    closed or rejected complaint is answered: nothing to hand over (409)."""
    note = _text(note, "note")
    return hand_over(
        MACHINE, pk=complaint_id, by=by, to=to, note=note,
        already_owned=_("“%(name)s” already owns this complaint."),
        title=lambda complaint: Title(gettext_noop("Complaint %(number)s is yours now (handed over by %(name)s)"), {
            "number": complaint.number, "name": by.display_name}),
    )


ACTION_SERVICES = {
    "forward": complaint_forward,
    "reply": complaint_reply,
    "return-visit": complaint_return_visit,
    "escalate": complaint_escalate,
    "close": complaint_close,
    "reject": complaint_reject,
    "acknowledge": complaint_acknowledge,
}
