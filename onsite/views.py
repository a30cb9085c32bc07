"""The technician's phone pages (issue 14, item 8): "My jobs" (today, then
overdue, then upcoming; filters and paging) and the visit page that walks
arrive, checklist, rectification notice, resolve or take back. Thin: the
tickets' input serializers validate the actions, the services write.

Every POST may be repeated safely: an action whose state is already reached
answers as done, a checklist value recorded again adds nothing, and the
rectification form carries a token that finds the notice it made."""

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Min, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import TemplateDoesNotExist, get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core.errors import ApplicationError, page_text
from servicedesk.core.pages import is_htmx
from tickets import hooks
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets import views as ticket_views
from tickets.models import WorkOrder

from . import selectors, services
from .models import Stage

PAGE_SIZE = 20
EARLY_CHECK_IN = datetime.timedelta(hours=2)
# What each action of the visit page leads to: a repeat that finds it done answers as done.
VISIT_ACTIONS = {"check-in": "on_site", "resolve": "resolved", "take-back": "taken_back", "return": "resolved",
                 "sign-off": "signed_off"}  # sign-off: the form of documents/visit_sign_off.html
GROUPS = {0: gettext_lazy("Today"), 1: gettext_lazy("Overdue"), 2: gettext_lazy("Upcoming")}
# The places the records engineer fills (documents app): a template of that name, given `order`.
SLOTS = {"photos": "documents/visit_photos.html", "parts": "documents/visit_parts.html",
         "sign_off": "documents/visit_sign_off.html"}


def _technician(request):
    technician = ticket_selectors.technician_of(request.user)
    if technician is None:
        raise Forbidden
    return technician


def order_panel(request, order):
    """The card on the order's page (tickets.hooks.add_panel): the checklist,
    the rectification notices and where the check-in was made."""
    rows = selectors.checklist_rows(order)
    position = selectors.check_in_position(order)
    notices = selectors.rectification_notices(order)
    if not rows and position is None and not notices:
        return None
    return {"rows": rows, "position": position, "notices": notices}


# --- my jobs -------------------------------------------------------------------------

@login_required
def my_jobs(request):
    technician = _technician(request)
    now = timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    open_deadline = Q(deadlines__met_at__isnull=True, deadlines__cancelled_at__isnull=True)
    orders = (ticket_selectors.work_orders_visible_to(request.user)
              .filter(technician=technician, state__in=WorkOrder.OPEN_STATES)
              .annotate(next_due=Min("deadlines__due_at", filter=open_deadline)))
    state, q = request.GET.get("state", ""), request.GET.get("q", "").strip()
    if state in dict(WorkOrder.State.choices):
        orders = orders.filter(state=state)
    if q:
        orders = orders.filter(Q(number=q) | Q(customer__name__icontains=q) | Q(customer__phones__number=q)
                               | Q(address__text__icontains=q)).distinct()
    orders = orders.annotate(group=Case(
        When(Q(state__in=["on_site", "taken_back"]) | Q(appointment_at__gte=start,
                                                        appointment_at__lt=start + datetime.timedelta(days=1)),
             then=Value(0)),
        When(next_due__lt=now, then=Value(1)),
        default=Value(2), output_field=IntegerField(),
    )).order_by("group", F("next_due").asc(nulls_last=True), F("appointment_at").asc(nulls_last=True), "id")
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(ticket_selectors.with_list_relations(WorkOrder.objects.filter(pk__in=[o.pk for o in page])))
    by_pk = {o.pk: o for o in rows}
    cards = []
    for listed in page:
        order = by_pk[listed.pk]
        order.group = listed.group
        ticket_views._order_context(request, order, view="card")
        cards.append(order)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "onsite/my_jobs.html", {
        "page": page, "orders": cards, "groups": GROUPS, "view": "card", "states": WorkOrder.State.choices,
        "selected": {"state": state, "q": q}, "query": query.urlencode(),
    })


# --- the visit -----------------------------------------------------------------------

def _visit_order(request, pk) -> WorkOrder:
    _technician(request)
    orders = ticket_selectors.with_list_relations(ticket_selectors.work_orders_visible_to(request.user))
    return get_object_or_404(orders, pk=pk)


def _slots(order):
    shown = {}
    for name, template in SLOTS.items():
        try:
            get_template(template)
        except TemplateDoesNotExist:
            shown[name] = None
        else:
            shown[name] = template
    return shown


def _early(order, now=None):
    """More than 2 hours before the appointment (issue 14, item 7): the page asks first."""
    return bool(order.appointment_at and order.appointment_at - (now or timezone.now()) > EARLY_CHECK_IN)


def visit_context(request, order, **extra):
    items = services.checklist_start(order) if order.state in ("on_site", "taken_back") else list(
        selectors.order_items(order))
    uncovered = {i.pk for i in selectors.uncovered_failures(items)}
    for item in items:
        item.uncovered = item.pk in uncovered
    on_site = order.state == "on_site"
    recordable = {"on_site": {Stage.BEFORE, Stage.AFTER}, "taken_back": {Stage.AFTER}}.get(order.state, set())
    ticket_views._show_customer(request, order)
    context = {
        "order": order, "before": [i for i in items if i.stage == Stage.BEFORE],
        "after": [i for i in items if i.stage == Stage.AFTER], "recordable": recordable,
        "missing": selectors.missing_codes(items), "failed": [i for i in items if i.uncovered],
        "notices": selectors.rectification_notices(order), "may_check_in": order.state in ("accepted", "scheduled"),
        "may_finish": on_site, "may_return": order.state == "taken_back", "early": _early(order),
        "rectification_token": uuid.uuid4().hex, "position": selectors.check_in_position(order),
        "slots": _slots(order), "default_promise": ticket_views._local_input(
            timezone.localtime().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)),
        "errors": {}, "values": {},
    }
    context.update(extra)
    return context


@login_required
def visit(request, pk):
    order = _visit_order(request, pk)
    return render(request, "onsite/visit.html", visit_context(request, order))


def _back(order, anchor=""):
    return redirect(reverse("onsite-visit", args=[order.pk]) + anchor)


@login_required
def visit_action(request, pk, action):
    """check-in, resolve, take-back, return from the visit page, through the
    same services and input serializers as the API."""
    if request.method != "POST" or action not in VISIT_ACTIONS:
        raise Http404
    order = _visit_order(request, pk)
    if order.state == VISIT_ACTIONS[action] and action not in ("resolve", "return") or (
            action in ("resolve", "return") and order.state in ("resolved", "signed_off", "closed")) or (
            action == "sign-off" and order.state == "closed"):
        return _back(order, "#sign-off" if action == "sign-off" else "")  # a repeated tap: already done
    if action == "check-in" and _early(order) and request.POST.get("confirmed") != "1":
        return render(request, "onsite/visit.html", visit_context(request, order, confirm_early=True))
    input_class = ticket_views.ACTION_INPUTS[action]
    post = request.POST.copy()
    for name in ("latitude", "longitude", "accuracy"):
        if not post.get(name, "").strip():
            post.pop(name, None)  # the phone gave no position: the check-in goes without one
    values = {name: post.get(name, "") for name in input_class(context={"action": action}).fields}
    data = input_class(data=ticket_views._input_data(post, input_class, action), context={"action": action})
    if not data.is_valid():
        errors = {field: [str(m) for m in msgs] for field, msgs in data.errors.items()}
        return render(request, "onsite/visit.html", visit_context(request, order, errors=errors, values=values,
                                                                  failed_action=action), status=400)
    kwargs, extra = hooks.split_extra(action, dict(data.validated_data))
    if extra:
        kwargs["extra"] = extra
    try:
        ticket_services.ACTION_SERVICES[action](order_id=order.pk, by=request.user, **kwargs)
    except ApplicationError as exc:
        if exc.field in data.fields:
            return render(request, "onsite/visit.html", visit_context(
                request, order, errors={exc.field: [str(exc.message)]}, values=values, failed_action=action),
                status=exc.status)
        messages.error(request, page_text(exc, ticket_views.ACTION_LABELS.get(action)))
        return _back(order, "#sign-off" if action == "sign-off" else "#finish")
    order.refresh_from_db()
    messages.success(request, _("%(action)s: work order %(number)s is now “%(state)s”.") % {
        "action": ticket_views.ACTION_LABELS[action], "number": order.number, "state": order.get_state_display()})
    return _back(order, "#sign-off" if action in ("resolve", "return", "sign-off") else "")


def _value_of(item, post):
    raw = post.get("value", "")
    if item.kind == "check":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


@login_required
def record_item(request, pk, code):
    """One checklist item, saved at once (htmx swaps the item and the status)."""
    if request.method != "POST":
        raise Http404
    order = _visit_order(request, pk)
    item = next((i for i in selectors.order_items(order) if i.code == code), None)
    if item is None:
        raise Http404
    error, status = None, 200
    try:
        services.checklist_record(order_id=order.pk, by=request.user,
                                  values=[{"code": code, "value": _value_of(item, request.POST)}])
    except services.ItemErrors as exc:
        error, status = str(next(iter(exc.errors.values()))), 400
    except ApplicationError as exc:
        error, status = page_text(exc), exc.status
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return _back(order, f"#item-{code}")
    order = _visit_order(request, pk)
    context = visit_context(request, order)
    item = next(i for i in context["before"] + context["after"] if i.code == code)
    return render(request, "onsite/_item_response.html",
                  {**context, "item": item, "item_error": error, "item_value": request.POST.get("value", "")},
                  status=status)


@login_required
def rectification(request, pk):
    if request.method != "POST":
        raise Http404
    order = _visit_order(request, pk)
    values = {k: request.POST.get(k, "") for k in ("hazards", "advice", "refused_reason")}
    try:
        services.rectification_create(
            order_id=order.pk, by=request.user, hazards=values["hazards"], advice=values["advice"],
            extra={"signature": request.POST.get("signature", ""), "refused_reason": values["refused_reason"]},
            token=request.POST.get("token", "")[:64])
    except ApplicationError as exc:
        if exc.field:
            return render(request, "onsite/visit.html", visit_context(
                request, order, errors={exc.field: [str(exc.message)]}, values=values,
                failed_action="rectification", rectification_token=request.POST.get("token", "")[:64]),
                status=exc.status)
        messages.error(request, page_text(exc))
        return _back(order, "#rectification")
    messages.success(request, _("The rectification notice is recorded."))
    return _back(order, "#finish")
