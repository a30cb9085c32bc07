"""The one small interface every message provider implements, chosen per
channel in the settings by dotted path (SERVICEDESK_MESSAGE_BACKENDS):

    class Backend:
        def send(self, message: Outgoing) -> str  # the provider's id of the message

A backend raises SendFailed when the provider refused or could not be
reached: `permanent=True` when trying again cannot help (a bad number, a
template the provider does not know), otherwise the message is retried."""

import abc
import dataclasses
import functools

from django.conf import settings
from django.utils.module_loading import import_string


@dataclasses.dataclass(frozen=True)
class Outgoing:
    channel: str
    event: str
    to: str  # the whole number
    text: str  # the rendered text
    params: dict  # the template's variables
    reference: str  # ours: the outbox row's id, the same on every attempt


class SendFailed(Exception):
    def __init__(self, error: str, *, permanent: bool = False):
        super().__init__(error)
        self.error = error
        self.permanent = permanent


class Backend(abc.ABC):
    @abc.abstractmethod
    def send(self, message: Outgoing) -> str:
        """Send it; answer the provider's id, or raise SendFailed."""


@functools.cache
def _backend_class(path: str):
    return import_string(path)


def backend_for(channel: str) -> Backend:
    path = settings.SERVICEDESK_MESSAGE_BACKENDS.get(channel)
    if not path:
        raise SendFailed(f"no backend configured for the channel {channel!r}", permanent=True)
    return _backend_class(path)()
