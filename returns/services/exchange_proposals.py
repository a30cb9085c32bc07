"""Depot repairs past their 3 days (seeds/004): after every escalation sweep
an exchange is proposed once to each, by the system (registered as the
return's after_sweep in returns.apps)."""

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from servicedesk.accounts.roles import Role
from servicedesk.accounts.selectors import nearest_with_role
from servicedesk.deadlines.models import Deadline
from servicedesk.notifications.services import notifications_create
from servicedesk.notifications.titles import Title

from ..models import Decision, ReturnRequest
from .requests import MACHINE

log = logging.getLogger(__name__)


def late_repairs(*, now):
    """Depot repairs (approved, decision repair) with no exchange proposed
    whose open repair deadline is past its due time: chosen by condition, so
    whatever an earlier run missed is found again."""
    breached = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(ReturnRequest), kind="repair", met_at__isnull=True,
        cancelled_at__isnull=True, paused_at__isnull=True, due_at__lte=now).values("object_id")
    return ReturnRequest.objects.filter(state=ReturnRequest.State.APPROVED, decision=Decision.REPAIR,
                                        proposed_decision="", pk__in=breached)


def propose_exchange_for_late_repairs(*, now) -> int:
    """Each depot repair still open past its 3 days gets an exchange proposed
    (seeds/004), recorded by the system, and its owner and the supervisors
    are told; the number proposed. Run after every escalation sweep
    (registered as its after_sweep in returns.apps), in its own transaction.

    Two sweeps at once: rows another holds are skipped (SKIP LOCKED), and a
    row it proposed and committed no longer matches `proposed_decision=""`
    (PostgreSQL re-checks the condition on the locked row), so each return
    gets one proposal; the unique constraint on its history row is the
    proof. An action holding the return (its fulfilment, the exchange) is
    skipped too, never waited on: the next sweep sees it again if still due."""
    late = (
        late_repairs(now=now).select_for_update(skip_locked=True, of=("self",)).select_related("owner").order_by("pk")
    )
    reason = "The depot repair was not finished within 3 days: the product is exchanged (seeds/004)."
    proposed = 0
    for obj in late:
        try:
            with transaction.atomic():  # a savepoint: one return that fails does not undo the others
                obj.proposed_decision = Decision.EXCHANGE
                obj.proposed_reason = reason
                obj.proposed_at = now
                obj.save(update_fields=["proposed_decision", "proposed_reason", "proposed_at", "updated_at"])
                MACHINE.record(obj=obj, action="propose-exchange", from_state=obj.state, by=None, at=now,
                        note=_("The depot repair was not finished within 3 days: an exchange is proposed."),
                        data={"proposed_decision": Decision.EXCHANGE})
                recipients = {u.pk: u for u in nearest_with_role(Role.SUPERVISOR, obj.accepting_unit_id)}
                if obj.owner_id and not obj.owner.partner_id:  # a partner's API user is nobody to tell
                    recipients[obj.owner_id] = obj.owner
                notifications_create(
                    recipients=list(recipients.values()), url=obj.get_absolute_url(),
                    title=Title(gettext_noop("Return %(number)s: repair late, offer the customer an exchange"),
                                {"number": obj.number}))
        except Exception:  # noqa: BLE001 - the next sweep tries this one again
            log.exception("proposing an exchange for late repair %s failed; the next sweep tries again", obj.pk)
            continue
        proposed += 1
    return proposed
