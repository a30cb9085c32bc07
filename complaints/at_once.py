"""A class 1 complaint closed at once (api-contract: Complaints handled at
once; seeds/002: customer service handles it directly and files the
result): straight from `received` to `closed` with the result, meeting its
`register` and `overall` deadlines. Class 2 and 3 go through the handling
unit: 409. Kept beside services.py (which is near its size limit)."""

from django.utils.translation import gettext as _

from servicedesk.core.errors import InvalidTransition, ValidationFailed
from servicedesk.core.transitions import run_action
from servicedesk.deadlines.services import deadline_cancel_open, deadline_meet

from .models import actions_allowed_in
from .services import MACHINE


def complaint_close_at_once(*, complaint_id, by, result) -> object:
    result = (result or "").strip()
    if not result:
        raise ValidationFailed(_("This field may not be blank."), field="result", code="blank")

    def check(complaint):
        if complaint.complaint_class != 1:
            refusal = InvalidTransition(
                action="close-at-once", state=complaint.state, state_label=complaint.get_state_display(),
                allowed=[a for a in actions_allowed_in(complaint.state) if a != "close-at-once"])
            refusal.message = _("Only a class 1 complaint is closed at once; class %(level)d goes to a handling "
                                "unit.") % {"level": complaint.complaint_class}
            raise refusal

    def effects(complaint, at):
        deadline_meet(subject=complaint, kinds=["register", "overall"], at=at)
        deadline_cancel_open(subject=complaint, at=at)  # nothing else waits on a closed complaint

    return run_action(MACHINE, pk=complaint_id, action="close-at-once", by=by, note=result, check=check,
                      effects=effects, stamp=True, kwargs={"result": result, "replier": by})
