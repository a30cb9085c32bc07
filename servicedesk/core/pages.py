"""What every app's pages share: telling an htmx request apart, sending the
browser on after an action, and a countdown in words. The pages of tickets,
complaints, calls and billing used to keep a copy each."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def is_htmx(request) -> bool:
    """The request comes from htmx (hx-get, hx-post): answer with a fragment."""
    return request.headers.get("HX-Request") == "true"


def htmx_redirect(request, url):
    """After an action, go to `url`: htmx follows HX-Redirect on an empty 204;
    a plain form post gets the usual redirect."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def duration_text(seconds: int) -> str:
    """"2 d 3 h", "3 h 12 min", "7 min"; static/js/app.js formats the same way."""
    minutes = abs(int(seconds)) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{_('%(n)s d') % {'n': days}} {_('%(n)s h') % {'n': hours}}"
    if hours:
        return f"{_('%(n)s h') % {'n': hours}} {_('%(n)s min') % {'n': mins}}"
    return _("%(n)s min") % {"n": mins}
