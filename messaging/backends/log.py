"""The default backend: writes the message to the log and sends nothing out
(tests, the demo, a machine without a provider contract)."""

import logging

from servicedesk.core.phone import mask_phone

from . import Backend, Outgoing

log = logging.getLogger("messaging")


class LogBackend(Backend):
    def send(self, message: Outgoing) -> str:
        log.info("%s message %s (%s) to %s: %s", message.channel, message.reference, message.event,
                 mask_phone(message.to), message.text)
        return f"log-{message.reference}"
