"""The callback queue for agents (issue 5: "a call hung up before it is
answered is abandoned and opens a callback with a callback deadline (default
2 hours), queued for agents and escalated when late"). A page of its own
(/callbacks/) and a panel on the console, both htmx. Thin like the API:
calls.selectors reads and decides who may do what, calls.services writes
(callback_take, callback_complete, call_open_manual); their errors
(servicedesk.core.errors) become messages, never a 500."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.durations import due_text
from servicedesk.core.errors import ApplicationError, InvalidTransition, ValidationFailed, page_text
from servicedesk.core.pages import duration_text, htmx_redirect, is_htmx

from . import selectors, services
from .models import Call, Callback

# How many callbacks the console's panel lists (the page lists them all).
PANEL_ROWS = 5


def _require_reader(user):
    if not selectors.user_may_read_calls(user):
        raise Forbidden


def _decorate(callbacks, user, now):
    """What a row shows: the caller as this user may see them, how long it
    rang, the time left (or overdue) and what this user may do."""
    rows = list(callbacks)
    for cb in rows:
        call = cb.call
        cb.caller_shown = selectors.caller_shown_to(user, call) if call.caller else ""
        # click-to-dial (issue 13 item 7): only a number this user sees whole
        cb.dial = call.caller if cb.is_open and call.caller and cb.caller_shown == call.caller else ""
        cb.rang_seconds = (int((call.ended_at - call.rang_at).total_seconds())
                           if call.rang_at and call.ended_at else None)
        due = getattr(cb, "due_at", None)
        cb.overdue = bool(due and cb.is_open and due < now)
        cb.countdown = duration_text((due - now).total_seconds()) if due else ""
        cb.due_text = due_text(due, now=now) if due else ""
        cb.actions = selectors.callback_actions_for(user, cb)
        cb.may_call = selectors.user_may_call_back(user, cb)
    return rows


def _show(value):
    return value if value in selectors.CALLBACK_VIEWS else "waiting"


def _context(request, *, where, show="waiting"):
    user = request.user
    now = timezone.now()
    qs = selectors.callback_list(user, show="waiting" if where == "panel" else show, now=now)
    count = qs.count()
    if where == "panel":
        qs = qs[:PANEL_ROWS]
    return {
        "callbacks": _decorate(qs, user, now),
        "count": count,
        "where": where,
        "show": show,
        "max_attempts": settings.SERVICEDESK["CALLBACK_MAX_ATTEMPTS"],
        "may_work": selectors.user_may_work_callbacks(user),
        "refresh_s": settings.SERVICEDESK["CALLBACK_REFRESH_SECONDS"],
        "views": [("waiting", _("Waiting")), ("mine", _("Mine")), ("done", _("Done today"))],
    }


def panel_context(request) -> dict:
    """The console page's panel "Callbacks waiting (N)" (calls.views.console_page)."""
    return {"callbacks_panel": _context(request, where="panel")}


# --- pages ----------------------------------------------------------------------

@login_required
@require_GET
def callback_list(request):
    _require_reader(request.user)
    context = _context(request, where="page", show=_show(request.GET.get("show")))
    if is_htmx(request):
        return render(request, "calls/_callbacks.html", context)
    return render(request, "calls/callbacks.html", context)


@login_required
@require_GET
def callback_panel(request):
    """The console's panel, refreshed by htmx every CALLBACK_REFRESH_SECONDS."""
    _require_reader(request.user)
    return render(request, "calls/_callbacks.html", _context(request, where="panel"))


# --- actions --------------------------------------------------------------------

def _back(request):
    """After an action: htmx swaps the list it came from (messages out of
    band); a plain form post goes back to that page."""
    where = "panel" if request.POST.get("where") == "panel" else "page"
    show = _show(request.POST.get("show"))
    if is_htmx(request):
        context = _context(request, where=where, show=show)
        context["oob_messages"] = True
        return render(request, "calls/_callbacks.html", context)
    if where == "panel":
        return redirect("console")
    return redirect(f"{reverse('callback-list')}?show={show}")


def _explain(request, exc, callback_id):
    """A service refused: say why in the agent's words."""
    if isinstance(exc, InvalidTransition):
        current = Callback.objects.select_related("assigned_to").filter(pk=callback_id).first()
        if current is not None and current.state == Callback.State.TAKEN and current.assigned_to_id != request.user.pk:
            return _("Someone else took this callback meanwhile: %(name)s.") % {
                "name": current.assigned_to.display_name}
        if current is not None and not current.is_open:
            return _("This callback is already closed (%(state)s).") % {"state": current.get_state_display()}
        if current is not None and current.state == Callback.State.OPEN:
            return _("Take the callback first.")
    if isinstance(exc, ValidationFailed) and exc.field == "note":
        return _("Write a note on the attempt: what happened on the call.")
    return page_text(exc)


def _visible_callback(request, pk) -> Callback:
    return get_object_or_404(selectors.callbacks_visible_to(request.user).select_related("call"), pk=pk)


@login_required
@require_POST
def callback_take(request, pk):
    _require_reader(request.user)
    callback = _visible_callback(request, pk)
    try:
        services.callback_take(callback_id=callback.pk, by=request.user)
    except ApplicationError as exc:
        messages.error(request, _explain(request, exc, callback.pk))
    else:
        messages.success(request, _("You took the callback. Call the customer back."))
    return _back(request)


@login_required
@require_POST
def callback_attempt(request, pk):
    """One attempt to call the customer back: reached or not, with a note.
    "Reached, open the file" also opens the outgoing call on the console."""
    _require_reader(request.user)
    callback = _visible_callback(request, pk)
    outcome = request.POST.get("outcome")
    if outcome not in ("reached", "not_reached", "reached_open"):
        messages.error(request, _("Say whether the customer was reached."))
        return _back(request)
    reached = outcome != "not_reached"
    try:
        with transaction.atomic():
            done = services.callback_complete(callback_id=callback.pk, reached=reached,
                                              note=request.POST.get("note", ""), by=request.user)
            call = _open_call(request, done) if outcome == "reached_open" else None
    except ApplicationError as exc:
        messages.error(request, _explain(request, exc, callback.pk))
        return _back(request)
    if call is not None:
        return htmx_redirect(request, reverse("console-call", args=[call.pk]))
    if reached:
        messages.success(request, _("Callback done: the customer was reached."))
    elif done.state == Callback.State.DONE:
        messages.info(request, _("Not reached %(n)s times: the callback is closed as not reached.") % {
            "n": done.attempts})
    else:
        messages.info(request, _("Attempt %(n)s recorded: try again later.") % {"n": done.attempts})
    return _back(request)


@login_required
@require_POST
def callback_call(request, pk):
    """Open the outgoing call of a callback on the console: the caller's file,
    filing and hand-over as on any call (channel "outbound")."""
    _require_reader(request.user)
    callback = _visible_callback(request, pk)
    try:
        call = _open_call(request, callback)
    except ApplicationError as exc:
        messages.error(request, _explain(request, exc, callback.pk))
        return _back(request)
    return htmx_redirect(request, reverse("console-call", args=[call.pk]))


def _open_call(request, callback) -> Call:
    if not selectors.user_may_call_back(request.user, callback):
        raise Forbidden
    original = callback.call
    return services.call_open_manual(
        channel=Call.Channel.OUTBOUND, caller=original.caller, customer=original.customer, by=request.user,
        note=_("Callback of the abandoned call %(id)s") % {"id": original.call_id[:12]},
    )
