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
    """The current state does not allow the action: 409 with what it allows."""

    status = 409
    code = "invalid_transition"

    def __init__(self, *, action, state, allowed):
        super().__init__(
            _("“%(action)s” is not allowed while the state is “%(state)s”.") % {"action": action, "state": state}
        )
        self.action = action
        self.state = state
        self.allowed = list(allowed)

    def as_payload(self):
        return {"detail": str(self.message), "state": self.state, "allowed": self.allowed}
