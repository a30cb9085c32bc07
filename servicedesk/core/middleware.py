"""The page-side half of the error hierarchy: a domain error raised by a
service during a page request becomes a message and a redirect back (or,
for htmx requests, a small fragment with the right status)."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.html import escape

from .errors import ApplicationError, InvalidTransition
from .pages import is_htmx


class ApplicationErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError) or request.path.startswith("/api/"):
            return None
        text = str(exception.page_message() if isinstance(exception, InvalidTransition) else exception.message)
        # The stable code travels with the text (data-code, the message's tags): scripts
        # and tests match on it, people read the text.
        if is_htmx(request):
            return HttpResponse(
                f'<div class="alert alert-error" role="alert" data-code="{escape(exception.code)}">'
                f"{escape(text)}</div>",
                status=exception.status,
            )
        messages.error(request, text, extra_tags=f"code-{exception.code}")
        return HttpResponseRedirect(request.headers.get("Referer") or "/")
