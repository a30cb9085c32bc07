"""Server-rendered pages for work orders, driven by htmx. Thin, like the API:
tickets.selectors decides what a user sees and may do, the API's input
serializers validate, and the same services in ACTION_SERVICES write."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import F, Min, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.accounts.roles import Role
from servicedesk.core.api import AwareDateTimeField
from servicedesk.core.errors import ApplicationError, ValidationFailed, page_text
from servicedesk.core.pages import duration_text, htmx_redirect, is_htmx
from servicedesk.core.paginator import CountingPaginator
from servicedesk.customers.selectors import customer_shown, phone_policy_for, show_as_sent
from technicians.selectors import technician_choices

from . import hooks, selectors, services
from .api import WorkOrderFilter
from .forms import WorkOrderCreateForm
from .models import WorkOrder
from .serializers import (
    CheckInInput,
    DispatchInput,
    HandOverInput,
    NoteInput,
    ReasonInput,
    ResolveInput,
    ReturnInput,
    RevisitInput,
    ScheduleInput,
    SignOffInput,
    TakeBackInput,
)

PAGE_SIZE = 25
MY_JOBS_LIMIT = 100

# The same input serializer for each action as the API's view of it.
ACTION_INPUTS = {
    "dispatch": DispatchInput, "decline": ReasonInput, "accept": NoteInput, "schedule": ScheduleInput,
    "check-in": CheckInInput, "resolve": ResolveInput, "take-back": TakeBackInput, "return": ReturnInput,
    "sign-off": SignOffInput, "close": NoteInput, "cancel": ReasonInput, "revisit": RevisitInput,
    "postpone": ReasonInput, "resume": NoteInput, "hand-over": HandOverInput,
}
# The state-machine actions, and the two that stop or restart an order's clocks.
PAGE_SERVICES = {
    **services.ACTION_SERVICES, "postpone": services.work_order_postpone, "resume": services.work_order_resume,
    "hand-over": services.work_order_hand_over,
}
ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "approve": gettext_lazy("Approve"),
    "dispatch": gettext_lazy("Dispatch"),
    "decline": gettext_lazy("Decline"),
    "accept": gettext_lazy("Accept"),
    "schedule": gettext_lazy("Schedule visit"),
    "check-in": gettext_lazy("Check in on site"),
    "resolve": gettext_lazy("Resolve"),
    "take-back": gettext_lazy("Take back for repair"),
    "return": gettext_lazy("Return repaired product"),
    "sign-off": gettext_lazy("Customer sign-off"),
    "close": gettext_lazy("Close"),
    "cancel": gettext_lazy("Cancel order"),
    "revisit": gettext_lazy("Open a revisit"),
    "postpone": gettext_lazy("Postpone (customer asks to wait)"),
    "resume": gettext_lazy("Resume the clocks"),
    "hand-over": gettext_lazy("Hand over"),
}
REASSIGN_LABEL = gettext_lazy("Reassign")
ACTION_STYLES = {"decline": "danger", "cancel": "danger", "take-back": "secondary",
                 "revisit": "secondary", "postpone": "secondary", "hand-over": "secondary"}
DEADLINE_LABELS = {
    "respond": gettext_lazy("Respond"),
    "arrive": gettext_lazy("Arrive on site"),
    "repair": pgettext_lazy("deadline kind", "Depot repair"),
    "follow_up": gettext_lazy("Follow-up visit"),
}


def _visible_order(user, pk) -> WorkOrder:
    """The order with everything a page shows, or 404 if this user may not see it."""
    return get_object_or_404(selectors.with_list_relations(selectors.work_orders_visible_to(user)), pk=pk)


# --- presentation helpers (duration_text: servicedesk.core.pages) -------------

def _decorate_deadlines(order):
    """Label each prefetched deadline, and note the nearest open one."""
    order.next_deadline = None
    for deadline in order.deadlines.all():
        deadline.label = DEADLINE_LABELS.get(deadline.kind, deadline.kind)
        deadline.countdown = duration_text(deadline.seconds_left)
        if deadline.is_open and deadline.paused_at is None and order.next_deadline is None:
            order.next_deadline = deadline
    return order


def _history(order):
    states = dict(WorkOrder.State.choices)
    events = list(selectors.work_order_history(order))
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)
        event.from_label = states.get(event.from_state, event.from_state)
        event.to_label = states.get(event.to_state, event.to_state)
        data = event.data or {}
        event.detail = data.get("technician_username", "")
        for key in ("appointment_at", "promised_by"):
            if data.get(key):
                moment = parse_datetime(data[key])
                event.detail = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else data[key]
        if "satisfaction" in data:
            event.detail = f"{data.get('signed_by', '')} · {data['satisfaction']}/5"
    return events


def _local_input(moment) -> str:
    """A datetime as a datetime-local input wants it, in the organisation's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _default_values(order, action):
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    if action == "schedule":
        return {"appointment_at": _local_input(order.appointment_at or now + datetime.timedelta(hours=2))}
    if action == "take-back":
        return {"promised_by": _local_input(now + datetime.timedelta(days=2))}
    if action == "sign-off":
        return {"signed_by": order.customer.name}
    return {}


def _action_forms(request, order, *, view, failed=None, errors=None, values=None):
    """One form per action this user may take on this order now."""
    url_suffix = "?view=card" if view == "card" else ""
    forms = []
    names = selectors.work_order_actions_for(request.user, order)
    names += selectors.work_order_clock_actions_for(request.user, order)
    for name in (n for n in names if n in PAGE_SERVICES):  # approve: the dispatch app's card (tickets.hooks)
        form = {
            "name": name,
            "label": ACTION_LABELS[name],
            "style": ACTION_STYLES.get(name, "primary"),
            "url": reverse("work-order-action", args=[order.pk, name]) + url_suffix,
            "errors": (errors or {}) if name == failed else {},
            "values": (values or {}) if name == failed else _default_values(order, name),
            "open": name == failed,
        }
        if name == "dispatch":
            form["candidates"] = selectors.dispatch_candidates(order=order)
            if order.technician_id:  # a dispatched order goes to another technician: a reassignment, not a dispatch
                form["label"] = REASSIGN_LABEL
        forms.append(form)
    # The way forward first, the ways out last.
    forms.sort(key=lambda f: ("primary", "secondary", "danger").index(f["style"]))
    return forms


def _hand_over_form(request, order, *, failed=None, errors=None, values=None):
    """The owner card's form (first-question responsibility), for those who may hand the order over."""
    if not selectors.work_order_owner_actions_for(request.user, order):
        return None
    return {
        "name": "hand-over", "label": ACTION_LABELS["hand-over"],
        "url": reverse("work-order-action", args=[order.pk, "hand-over"]),
        "targets": selectors.hand_over_targets().exclude(pk=order.owner_id),
        "errors": (errors or {}) if failed == "hand-over" else {},
        "values": (values or {}) if failed == "hand-over" else {},
        "open": failed == "hand-over",
    }


def _show_customer(request, order):
    """The phone this user may see; a partner sees the customer as it sent it."""
    policy = phone_policy_for(request)
    order.phone = customer_shown(policy, order, order=order)["phone"]
    show_as_sent(policy, order)


def _order_context(request, order, *, view="detail", **form_state):
    _decorate_deadlines(order)
    _show_customer(request, order)
    order.forms = _action_forms(request, order, view=view, **form_state)
    order.hand_over_form = _hand_over_form(request, order, **form_state) if view == "detail" else None
    context = {"order": order, "view": view}
    if view == "detail":
        context["history"] = _history(order)
        context["panels"] = hooks.panels(request, order)  # the cards other apps add (tickets.hooks)
    return context


# --- pages ---------------------------------------------------------------------

@login_required
def home(request):
    """Each role lands where its day starts."""
    user = request.user
    if selectors.technician_of(user) is not None:
        return redirect("my-jobs")
    if user.has_role(Role.AGENT) and not user.has_role(Role.DISPATCHER, Role.SUPERVISOR):
        return redirect("console")  # calls/urls.py: the agent's day starts on the console
    if user.has_role(Role.DISPATCHER) and not user.has_role(Role.AGENT):
        return redirect("dispatch-board")  # issue 17: the dispatcher's day is the board of technicians and orders
    if user.has_role(Role.AGENT, Role.DISPATCHER, Role.PARTNER):
        return redirect("work-order-list")
    if user.has_role(Role.SUPERVISOR, Role.MANAGER):
        return redirect("dashboard")
    if user.has_role(Role.HANDLER):
        return redirect("complaint-queue")
    if user.has_role(Role.HR):
        return redirect("finding-list")
    if user.has_role(Role.LOGISTICS):
        return redirect("factory-return-list")  # seeds/004: logistics checks the returns arriving at the factory
    if selectors.user_may_read_work_orders(user):
        return redirect("work-order-list")
    return redirect("api-docs")


@login_required
def work_order_list(request):
    user = request.user
    filterset = WorkOrderFilter(request.GET or None, queryset=selectors.work_orders_visible_to(user))
    orders = selectors.with_list_relations(filterset.qs).annotate(overdue=selectors.overdue_condition())
    page = CountingPaginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    for order in page:
        _decorate_deadlines(order)
        _show_customer(request, order)
    sees_all = selectors.user_sees_all_work_orders(user)
    return render(request, "tickets/work_order_list.html", {
        "page": page,
        "states": WorkOrder.State.choices,
        "kinds": WorkOrder.Kind.choices,
        "technicians": technician_choices() if sees_all else None,
        "selected": {
            "state": request.GET.getlist("state"),
            "kind": request.GET.getlist("kind"),
            "technician": request.GET.get("technician", ""),
            "overdue": request.GET.get("overdue", ""),
            "q": request.GET.get("q", ""),
        },
        "filtered": any(request.GET.get(k) for k in ("state", "kind", "technician", "overdue", "q")),
        "may_create": selectors.user_may_create_work_orders(user),
    })


@login_required
def work_order_detail(request, pk):
    order = _visible_order(request.user, pk)
    return render(request, "tickets/work_order_detail.html", _order_context(request, order))


@login_required
def work_order_new(request):
    if not selectors.user_may_create_work_orders(request.user):
        raise Forbidden
    form = WorkOrderCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        v = form.validated
        try:
            order, _created = services.work_order_create(
                by=request.user, kind=v["kind"], customer=v["customer"], description=v["description"],
                product=v.get("product"),
            )
        except ValidationFailed as exc:
            form.add_error(form.field_for(exc.field), str(exc.message))
        else:
            messages.success(request, _("Work order %(number)s created.") % {"number": order.number})
            return redirect("work-order-detail", pk=order.pk)
    return render(request, "tickets/work_order_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def my_jobs(request):
    technician = selectors.technician_of(request.user)
    if technician is None:
        raise Forbidden
    open_deadline = Q(deadlines__met_at__isnull=True, deadlines__cancelled_at__isnull=True)
    orders = (
        selectors.work_orders_visible_to(request.user)
        .filter(technician=technician, state__in=WorkOrder.OPEN_STATES)
        .annotate(next_due=Min("deadlines__due_at", filter=open_deadline))
        .order_by(F("next_due").asc(nulls_last=True), F("appointment_at").asc(nulls_last=True), "id")
    )
    orders = list(selectors.with_list_relations(orders)[:MY_JOBS_LIMIT])
    for order in orders:
        _order_context(request, order, view="card")
    return render(request, "tickets/my_jobs.html", {"orders": orders, "view": "card"})


# --- actions (htmx) ----------------------------------------------------------

def _input_data(post, input_class, action=None):
    """The posted fields the serializer knows. A datetime-local value has no
    offset: it is a wall-clock time in the organisation's time zone."""
    data = {}
    for name, field in input_class(context={"action": action}).fields.items():
        if name not in post:
            continue
        value = post.get(name, "")
        if isinstance(field, AwareDateTimeField):
            value = value.strip()
            if not value:
                continue  # "This field is required."
            try:
                moment = parse_datetime(value)
            except ValueError:
                moment = None
            if moment is not None and timezone.is_naive(moment):
                value = timezone.make_aware(moment, timezone.get_current_timezone()).isoformat()
        data[name] = value
    return data


def _render_order(request, pk, view, *, status=200, **form_state):
    """The part of the page an action changes: the whole order panel on the
    detail page, one card on "my jobs". Messages ride along out of band."""
    order = _visible_order(request.user, pk)
    if not is_htmx(request):
        return render(request, "tickets/work_order_detail.html", _order_context(request, order, **form_state),
                      status=status)
    context = _order_context(request, order, view=view, **form_state)
    template = "tickets/_job_card.html" if view == "card" else "tickets/_order_panel.html"
    return render(request, template, {**context, "oob_messages": True}, status=status)


@login_required
@require_POST
def work_order_action(request, pk, action):
    if action not in PAGE_SERVICES:
        raise Http404
    order = _visible_order(request.user, pk)
    view = "card" if request.GET.get("view") == "card" else "detail"
    input_class = ACTION_INPUTS[action]
    values = {name: request.POST.get(name, "") for name in input_class(context={"action": action}).fields}
    data = input_class(data=_input_data(request.POST, input_class, action), context={"action": action})
    if not data.is_valid():
        errors = {field: [str(m) for m in msgs] for field, msgs in data.errors.items()}
        return _render_order(request, order.pk, view, status=400, failed=action, errors=errors, values=values)
    try:
        kwargs, extra = hooks.split_extra(action, dict(data.validated_data))
        if extra:
            kwargs["extra"] = extra  # the fields other apps added to this action (tickets.hooks)
        result = PAGE_SERVICES[action](order_id=order.pk, by=request.user, **kwargs)
    except ApplicationError as exc:
        if exc.field in data.fields:
            errors = {exc.field: [str(exc.message)]}
            return _render_order(request, order.pk, view, status=exc.status, failed=action, errors=errors,
                                 values=values)
        messages.error(request, page_text(exc, ACTION_LABELS.get(action)))
        if not is_htmx(request):
            return redirect(reverse("my-jobs") if view == "card" else reverse("work-order-detail", args=[order.pk]))
        return _render_order(request, order.pk, view, status=exc.status)

    if action == "revisit":
        messages.success(request, _("Revisit %(number)s opened.") % {"number": result.number})
        return htmx_redirect(request, reverse("work-order-detail", args=[result.pk]))
    if action == "hand-over":
        messages.success(request, _("Work order %(number)s handed over to %(name)s.") % {
            "number": result.number, "name": result.owner.display_name})
    else:
        messages.success(request, _("%(action)s: work order %(number)s is now “%(state)s”.") % {
            "action": ACTION_LABELS[action], "number": result.number, "state": result.get_state_display()})
    still_mine = selectors.work_orders_visible_to(request.user).filter(pk=order.pk, state__in=WorkOrder.OPEN_STATES)
    if view == "card" and not still_mine.exists():
        # Declined (or otherwise gone from this technician's list): drop the card.
        return htmx_redirect(request, reverse("my-jobs"))
    if not selectors.work_orders_visible_to(request.user).filter(pk=order.pk).exists():
        return htmx_redirect(request, reverse("home"))
    if not is_htmx(request):
        return redirect(reverse("my-jobs") if view == "card" else reverse("work-order-detail", args=[order.pk]))
    return _render_order(request, order.pk, view)
