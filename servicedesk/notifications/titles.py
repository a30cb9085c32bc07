"""A notification keeps its facts (what kind, which object, which numbers) and
says them in the reader's language when it is shown, and in the recipient's
when it is mailed (issue 13, item 4). Its `message` is the English msgid,
never translated when written; `params` the facts, rendered here: a deadline
kind by its label, never its code; an object by its kind and its full
reference (a call id is never cut); a time in the organisation's time zone.

Writers pass `Title(message, params)` as the title of notifications_create."""

import datetime
from typing import NamedTuple

from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext


class Title(NamedTuple):
    message: str
    params: dict


def _deadline_kind(code):
    from servicedesk.core.labels import kind_label

    return str(kind_label(code))


def _subject(value):
    """[model name, reference]: "Work order WO-1", "Call demo-20261206-0042"."""
    from servicedesk.core.labels import SUBJECTS

    model, reference = value
    label = SUBJECTS.get(model)
    return f"{label} {reference}" if label is not None else str(reference)


def _time(value):
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime.datetime):
        return str(value)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _text(value):
    """A reason: [message, params] said in the reader's language (a rule's
    words), or a person's own words, kept as they wrote them."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        message, params = value
        return gettext(message) % params if params else gettext(message)
    return str(value)


# The facts that need words: by parameter name, explicitly.
RENDERERS = {"kind": _deadline_kind, "subject": _subject, "due": _time, "reason": _text}


def render(message, params):
    """The title in the active language."""
    values = {name: RENDERERS.get(name, lambda v: v)(value) for name, value in (params or {}).items()}
    return gettext(message) % values


class Renderer:
    """render() for the many notifications of a sweep, in the active language: each message translated
    and each label (a deadline kind, a kind of object) said once, not once per notification."""

    def __init__(self):
        self.messages = {}
        self.said = {}
        self.zone = None

    def _time(self, value):
        """_time with the active time zone read once."""
        if not isinstance(value, str):
            return _time(value)
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return _time(value)
        if moment.tzinfo is None:
            return _time(value)
        if self.zone is None:
            self.zone = timezone.get_current_timezone()
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def __call__(self, message, params):
        text = self.messages.get(message)
        if text is None:
            text = self.messages[message] = gettext(message)
        values = {}
        for name, value in (params or {}).items():
            renderer = RENDERERS.get(name)
            if renderer is None:
                values[name] = value
            elif name == "subject":  # [model name, reference]: the model's label once
                key = ("subject", value[0])
                if key not in self.said:
                    from servicedesk.core.labels import SUBJECTS

                    label = SUBJECTS.get(value[0])
                    self.said[key] = None if label is None else str(label)
                label = self.said[key]
                values[name] = f"{label} {value[1]}" if label is not None else str(value[1])
            elif name == "kind":
                said = self.said.get(("kind", value))
                if said is None:
                    said = self.said[("kind", value)] = renderer(value)
                values[name] = said
            elif name == "due":
                values[name] = self._time(value)
            else:
                values[name] = renderer(value)
        return text % values


def render_in(language, message, params):
    with translation.override(language or None):
        return render(message, params)
