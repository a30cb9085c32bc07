"""The deadline kinds, escalation levels and subjects, for people to read:
used by the deadline engine, the notifications that render their titles
when read, and the pages. Data only, so any package may import it."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Every deadline kind of the contract, for people to read.
DEADLINE_KINDS = {
    "respond": _("Respond"),
    "arrive": _("Arrive on site"),
    "repair": pgettext_lazy("deadline kind", "Depot repair"),
    "follow_up": _("Follow-up"),
    "appointment": _("Appointment kept"),  # contract: Appointment kept (onsite)
    "register": _("Register complaint"),
    "reply": _("Reply to customer"),
    "overall": _("Overall complaint"),
    "return_visit": _("Return visit"),
    "acknowledge": _("Acknowledge to sales"),
    "answer": _("Answer within 3 rings"),
    "callback": _("Call back"),
    # seeds/004, deadlines migration 0005: the returns' clocks.
    "batch_visit": _("Technician on site for a batch dispute"),
    "check": _("Check on arrival at the factory"),
    "decide": _("Decide the factory return"),
    # issue 15 (aftercare): the satisfaction call the next day, and a low score's follow-up.
    "survey": _("Satisfaction survey"),
    "survey_follow_up": _("Low-score follow-up"),
}
LEVELS = {0: _("Warning"), 1: _("Level 1: supervisor"), 2: _("Level 2: manager"), 3: _("Level 3: leadership")}
SUBJECTS = {"workorder": _("Work order"), "complaint": _("Complaint"), "call": _("Call"), "callback": _("Callback"),
            "returnrequest": _("Return"), "factoryreturn": _("Factory return"),
            "lowscorefollowup": _("Low-score follow-up")}


def kind_label(kind):
    return DEADLINE_KINDS.get(kind, kind)
