"""What the returns pages share: the deadlines' and history's labels, and
DRF's errors as page messages."""

from django.contrib import messages
from django.utils.translation import gettext_lazy

from servicedesk.core.errors import page_text
from servicedesk.core.pages import duration_text

PAGE_SIZE = 25

DEADLINE_LABELS = {
    "repair": gettext_lazy("Depot repair (3 days)"),
    "batch_visit": gettext_lazy("Technician on site (2 days)"),
    "check": gettext_lazy("Logistics check (1 working day)"),
    "decide": gettext_lazy("Decisions (3 working days)"),
}


def decorate(obj, history, states):
    """Label the prefetched deadlines and the history's states for the page."""
    for d in obj.deadlines.all():
        d.label = DEADLINE_LABELS.get(d.kind, d.kind)
        d.countdown = duration_text(d.seconds_left)
    for h in history:
        h.from_state = states.get(h.from_state, h.from_state)
        h.to_state = states.get(h.to_state, h.to_state)


def flat_errors(errors, prefix=""):
    """DRF's nested errors as {"field.sub": ["message"]} for the pages."""
    out = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            out.update(flat_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, list) and errors and all(isinstance(e, (dict, list)) for e in errors):
        for i, value in enumerate(errors):
            out.update(flat_errors(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "form"] = [str(e) for e in (errors if isinstance(errors, list) else [errors])]
    return out


def error_messages(request, errors):
    for field, msgs in flat_errors(errors).items():
        label = "" if field in ("form", "detail", "non_field_errors") else f"{field}: "
        for m in msgs:
            messages.error(request, f"{label}{m}")


def domain_error_message(request, error, action_label):
    """A service's refusal as a page message; its code travels in the tags
    (as the page middleware does), so scripts and tests match on it."""
    messages.error(request, page_text(error, action_label), extra_tags=f"code-{error.code}")
