"""The agent console and the wallboard (issue 5, items 3, 4, 6, 7): pages
driven by htmx. Thin like the API: calls.selectors and calls.console read,
the create pages' forms validate, and the same services as the API write
(tickets / complaints services to file, calls.services to link, hand over,
open by hand)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import services as complaint_services
from complaints.models import Complaint
from servicedesk.core.errors import ApplicationError, InvalidTransition, ValidationFailed, page_text
from servicedesk.core.pages import htmx_redirect, is_htmx
from tickets import services as work_order_services
from tickets.models import WorkOrder
from tickets.selectors import work_orders_visible_to

from . import callbacks_views, console, selectors, services
from .forms import ConsoleComplaintForm, ConsoleWorkOrderForm, HandOverForm, InquiryForm, ManualCallForm
from .models import Call

FILINGS = ("work-order", "complaint", "inquiry")


def _require_console(user):
    if not console.user_may_use_console(user):
        raise Forbidden


def _visible_call(user, pk) -> Call:
    return get_object_or_404(selectors.calls_visible_to(user).select_related("customer", "owner", "agent"), pk=pk)


def poll_interval_ms() -> int:
    return settings.SERVICEDESK.get("CONSOLE_POLL_MS", 500)


# --- what the workspace shows --------------------------------------------------

def _prefill(call, file_):
    customer = file_.customer
    address = file_.addresses[0].text if file_.addresses else ""
    return {
        "customer_name": customer.name if customer else "",
        "customer_phone": call.caller or "",
        "customer_address": address,
    }


def _one_product(initial, products):
    """issue 13 item 5: a caller with exactly one product has it preselected."""
    return {**initial, "existing_product": str(products[0].pk)} if len(products) == 1 else initial


def _forms(call, file_):
    """One unbound form per filing, prefilled from the call."""
    initial = _prefill(call, file_)
    source = {Call.Channel.PHONE: Complaint.Source.PHONE, Call.Channel.WALK_IN: Complaint.Source.WALK_IN,
              Call.Channel.WECHAT: Complaint.Source.WECHAT, Call.Channel.EMAIL: Complaint.Source.EMAIL,
              Call.Channel.OUTBOUND: Complaint.Source.PHONE}
    return {
        "work-order": ConsoleWorkOrderForm(initial=_one_product(initial, file_.products), products=file_.products,
                                           prefix="wo"),
        "complaint": ConsoleComplaintForm(initial={**initial, "source": source.get(call.channel, "phone")},
                                          work_orders=WorkOrder.objects.none(), prefix="cp"),
        "inquiry": InquiryForm(prefix="iq"),
    }


def _call_context(request, call):
    file_ = console.caller_file(call.caller, user=request.user, customer=call.customer, call=call)
    return {
        "call": call,
        "file": file_,
        "forms": _forms(call, file_),
        "active": "work-order",
        "linked": console.filed_from(call, user=request.user),
        "hand_over_form": HandOverForm(exclude=call.owner, prefix="ho"),
        "checklists": console.checklist_table(),
        "call_actions": selectors.call_actions_for(request.user, call),
    }


def _watch_key(call) -> str:
    return f"{call.pk}:{call.state}" if call is not None else ""


def _after_call(request, seen, seen_pk, waiting):
    """issue 13 item 5: the call on screen is over but the agent is still at
    its after-call work (a draft typed, a read-back, what was just filed: the
    browser says `draft=1`): the workspace stays, the next call waits visibly
    in the watch until the agent takes it. None when the call on screen is
    still going (then the usual poll)."""
    shown = (selectors.calls_visible_to(request.user).select_related("customer", "owner", "agent")
             .filter(pk=seen_pk).first())
    if shown is None or shown.is_open:
        return None
    key = f"{_watch_key(shown)}+{waiting.pk}"
    if seen == key:
        return HttpResponse(status=204)
    waiting.caller_shown = selectors.caller_shown_to(request.user, waiting) if waiting.caller else ""
    return render(request, "calls/_watch.html", {
        "watch_key": key, "poll_ms": poll_interval_ms(), "call": shown, "waiting": waiting,
    })


# --- pages ----------------------------------------------------------------------

@login_required
def console_page(request, pk=None):
    """The console. Without `pk`: the call ringing at or taken by this agent
    now (if any); the page then asks for news every CONSOLE_POLL_MS."""
    _require_console(request.user)
    call = _visible_call(request.user, pk) if pk else selectors.console_call_for(request.user)
    context = _call_context(request, call) if call is not None else {"call": None}
    context.update({
        "watch_key": _watch_key(call),
        "poll_ms": poll_interval_ms(),
        "manual_form": ManualCallForm(prefix="mc"),
    })
    context.update(callbacks_views.panel_context(request))
    return render(request, "calls/console.html", context)


@login_required
def call_detail(request, call_id):
    """A call's page (Call.get_absolute_url): the console showing that call."""
    _require_console(request.user)
    call = get_object_or_404(selectors.calls_visible_to(request.user).only("pk"), call_id=call_id)
    return redirect("console-call", pk=call.pk)


@login_required
@require_GET
def console_poll(request):
    """Push to the browser by short polling (docs/calls.md, Console): 204 and
    nothing else while nothing changed, so a poll costs one indexed query.
    A new call swaps the whole workspace; a new state of the same call only
    the call's banner, so a form being typed is never lost."""
    _require_console(request.user)
    seen = request.GET.get("seen", "")
    seen_pk = seen.split(":")[0]
    call = selectors.console_call_for(request.user)
    if call is not None and request.GET.get("draft") == "1" and seen_pk.isdigit() and str(call.pk) != seen_pk:
        held = _after_call(request, seen, seen_pk, call)
        if held is not None:
            return held
    if call is None and seen_pk.isdigit():
        # The call on screen is over (hung up, ended): its banner says so.
        call = selectors.calls_visible_to(request.user).select_related("customer", "owner", "agent") \
            .filter(pk=seen_pk).first()
    if call is None or _watch_key(call) == seen:
        return HttpResponse(status=204)
    context = {"watch_key": _watch_key(call), "poll_ms": poll_interval_ms(), "call": call}
    if seen_pk == str(call.pk):
        # The same call in a new state: the banner (owner, what may be done now) only.
        context.update(
            {
                "oob_banner": True,
                "file": console.CallerFile(
                    phone=call.caller, customer=call.customer or console.customer_by_phone(call.caller)
                ),
                "call_actions": selectors.call_actions_for(request.user, call),
                "hand_over_form": HandOverForm(exclude=call.owner, prefix="ho"),
            }
        )
        return render(request, "calls/_watch.html", context)
    context.update(_call_context(request, call))
    context["oob_workspace"] = True
    return render(request, "calls/_watch.html", context)


@login_required
@require_POST
def call_open(request):
    """Open a contact by hand (walk-in, WeChat, e-mail)."""
    _require_console(request.user)
    form = ManualCallForm(request.POST, prefix="mc")
    if form.is_valid():
        try:
            call = services.call_open_manual(by=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            return htmx_redirect(request, reverse("console-call", args=[call.pk]))
    return render(request, "calls/console.html", {
        "call": None, "manual_form": form, "watch_key": "", "poll_ms": poll_interval_ms(),
    }, status=400)


# --- filing: read back, then confirm -----------------------------------------------

def _bound_form(request, what, call, file_):
    if what == "work-order":
        return ConsoleWorkOrderForm(request.POST, products=file_.products, prefix="wo")
    if what == "complaint":
        return ConsoleComplaintForm(request.POST, prefix="cp", work_orders=work_orders_visible_to(request.user))
    return InquiryForm(request.POST, prefix="iq")


def _readback(what, form, file_):
    """What will be filed, as the agent reads it back to the caller (seeds/000 复述)."""
    data = form.cleaned_data
    if what == "work-order":
        kind = dict(WorkOrder.Kind.choices)[data["kind"]]
        product = form.validated.get("product")
        if hasattr(product, "pk"):
            product_text = str(product)
            category = product.category.slug
        elif product:
            product_text = " ".join(
                str(p) for p in (product["category"], product.get("model"), product.get("serial")) if p
            )
            category = product["category"].slug
        else:
            product_text, category = "", ""
        rows = [(_("Kind"), kind), (_("Customer"), data["customer_name"]), (_("Phone"), data["customer_phone"]),
                (_("Address"), data.get("customer_address") or "—"), (_("Product"), product_text or "—"),
                (_("Fault or request"), data["description"])]
        checklist = console.checklist_for(data["kind"], category_slug=category, description=data["description"])
        promise = console.work_order_promise(data["kind"], category=category)
    elif what == "complaint":
        rows = [(_("Category"), dict(Complaint.Category.choices)[data["category"]]),
                (_("Customer"), data["customer_name"]), (_("Phone"), data["customer_phone"]),
                (_("What the customer says"), data["description"])]
        if data.get("work_order"):
            rows.append((_("Work order"), data["work_order"]))
        checklist, promise = console.checklist_for("complaint"), console.complaint_promise()
    else:
        rows = [(_("The caller asks"), data["text"]), (_("Answer given"), data.get("answer") or "—")]
        checklist, promise = console.checklist_for("inquiry"), ""
    return {"rows": rows, "checklist": checklist, "promise": promise}


@login_required
@require_POST
def call_file(request, pk, what):
    """POST the form: the read-back panel (nothing saved). POST it again with
    `confirm`: filed through the same service as the API, and linked to the call."""
    if what not in FILINGS:
        raise Http404
    _require_console(request.user)
    call = _visible_call(request.user, pk)
    file_ = console.caller_file(call.caller, user=request.user, customer=call.customer)
    form = _bound_form(request, what, call, file_)
    status = 200
    context = {"call": call, "what": what, "form": form, "checklists": console.checklist_table()}
    if not form.is_valid():
        status = 400
    elif "edit" in request.POST:
        pass  # back to the form, as typed
    elif "confirm" not in request.POST:
        context["readback"] = _readback(what, form, file_)
    else:
        try:
            context["filed"] = _file(request, call, what, form, file_.customer)
        except ApplicationError as exc:
            status = exc.status
            field = form.field_for(exc.field) if hasattr(form, "field_for") else None
            form.add_error(field if field in form.fields else None, str(exc.message))
        else:
            form = None
            context["linked"] = console.filed_from(call, user=request.user)
            context["oob_linked"] = True
            # issue 13 item 5: the caller's open orders and complaints, with the one just filed
            call.refresh_from_db(fields=["customer"])
            file_ = console.caller_file(call.caller, user=request.user, customer=call.customer, call=call)
            context["oob_file"] = True
    context["form"] = form
    context["file"] = file_
    return render(request, "calls/_filing.html", context, status=status)


def _file(request, call, what, form, file_customer):
    """One transaction: the filing and its link to the call stand or fall together."""
    by = request.user
    with transaction.atomic():
        if what == "work-order":
            v = form.validated
            subject, _created = work_order_services.work_order_create(
                by=by, kind=v["kind"], customer=v["customer"], description=v["description"],
                product=v.get("product"),
            )
        elif what == "complaint":
            subject, _created = complaint_services.complaint_create(by=by, **form.validated)
        else:
            subject = services.inquiry_create(call=call, by=by, text=form.cleaned_data["text"],
                                              answer=form.cleaned_data.get("answer", ""), customer=file_customer)
        if what != "inquiry":
            services.call_link(call=call, subject=subject, by=by)
    return console.describe_filed(subject)


# --- first-question responsibility: hand over -------------------------------------

@login_required
@require_POST
def call_hand_over(request, pk):
    _require_console(request.user)
    call = _visible_call(request.user, pk)
    form = HandOverForm(request.POST, exclude=call.owner, prefix="ho")
    if form.is_valid():
        try:
            services.call_hand_over(call_id=call.call_id, to=form.cleaned_data["to"], by=request.user,
                                    note=form.cleaned_data["note"])
        except ApplicationError as exc:
            messages.error(request, page_text(exc))
        else:
            messages.success(request, _("The call is now owned by %(name)s.") % {
                "name": form.cleaned_data["to"].display_name})
            return htmx_redirect(request, reverse("console-call", args=[call.pk]))
    else:
        messages.error(request, _("Choose who takes the call over and say why."))
    return htmx_redirect(request, reverse("console-call", args=[call.pk]))


@login_required
@require_POST
def call_end(request, pk):
    _require_console(request.user)
    call = _visible_call(request.user, pk)
    try:
        services.call_end(call_id=call.call_id, by=request.user, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, page_text(exc))
    return htmx_redirect(request, reverse("console"))


@login_required
@require_POST
def call_close(request, pk):
    """A supervisor closes a ring whose hang-up never came (calls.services.call_close_ringing)."""
    _require_console(request.user)
    call = _visible_call(request.user, pk)
    if not selectors.user_may_take(request.user, call, "close"):
        raise Forbidden
    try:
        services.call_close_ringing(call_id=call.call_id, by=request.user, reason=request.POST.get("reason", ""))
    except InvalidTransition as exc:
        if exc.state == Call.State.RINGING:
            messages.error(request, _("This call rang less than %(seconds)d s ago: the caller may still be on the "
                                      "line.") % {"seconds": settings.SERVICEDESK["CALL_RING_STALE_SECONDS"]})
        else:
            messages.error(request, _("This call is no longer ringing: nothing to close."))
    except ValidationFailed:
        messages.error(request, _("Say why the call is closed."))
    except ApplicationError as exc:
        messages.error(request, page_text(exc))
    else:
        messages.success(request, _("The call was closed as abandoned."))
    return htmx_redirect(request, reverse("console-call", args=[call.pk]))


# --- wallboard ------------------------------------------------------------------

@login_required
def wallboard(request):
    if not console.user_may_see_wallboard(request.user):
        raise Forbidden
    context = {"stats": console.wallboard(user=request.user), "refresh_s": settings.SERVICEDESK.get(
        "WALLBOARD_REFRESH_SECONDS", 5)}
    template = "calls/_wallboard_panel.html" if is_htmx(request) else "calls/wallboard.html"
    return render(request, template, context)

