"""The one error hierarchy. Services raise these; the DRF exception handler
(core.api.exception_handler) and the page middleware (core.middleware) turn
them into 400/403/404/409 answers and messages."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message, *, code=None, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_payload(self):
        if self.field:
            return {self.field: [str(self.message)]}
        return {"detail": str(self.message)}


class ValidationFailed(ApplicationError):
    """Bad input: 400, naming the field when there is one."""


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _("Your role may not do this."), **kwargs)


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class InvalidTransition(ApplicationError):
    """The current state does not allow the action: 409 with what it allows.

    The API answer keeps the machine names (`state`, `allowed`, and the
    message naming both), which a partner's developer matches on; pages show
    `page_message()`, in the user's words: the state's label (`state_label`,
    given by the raiser from `get_state_display()`) and the action's label
    (given by the page, which owns the button texts)."""

    status = 409
    code = "invalid_transition"

    def __init__(self, *, action, state, allowed, state_label=None):
        super().__init__(
            _("“%(action)s” is not allowed while the state is “%(state)s”.") % {"action": action, "state": state}
        )
        self._generic_message = self.message  # a subclass may set a message of its own
        self.action = action
        self.state = state
        self.state_label = state_label
        self.allowed = list(allowed)

    def as_payload(self):
        return {"detail": str(self.message), "state": self.state, "allowed": self.allowed}

    def page_message(self, action_label=None):
        if self.message is not self._generic_message:
            return self.message  # says more than the generic sentence (e.g. why shipping is refused)
        return _(
            "“%(action)s” is not possible now: the state is “%(state)s”. Reload the page to see what can be done."
        ) % {"action": action_label or self.action, "state": self.state_label or self.state}


def page_text(exc: ApplicationError, action_label=None) -> str:
    """What a page shows for a domain error: the user's words for a refused
    transition, the message otherwise."""
    if isinstance(exc, InvalidTransition):
        return str(exc.page_message(action_label))
    return str(exc.message)
