"""Pages of warranty, fees, charges and parts stock. Thin like the API: the
API's input serializers validate, the same services write, the selectors
decide who sees and may do what."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ApplicationError

from ..api.fees import AcceptInput, EntitlementPreviewInput, PaymentInput, RefundInput, StockMovementInput
from ..models import Payment, Quote, ServicePointDeposit, StockMovement
from ..orders import work_orders_visible_to
from ..selectors import fees as sel
from ..services import fees as services


def _errors(serializer_errors):
    out = {}
    for field, msgs in serializer_errors.items():
        if isinstance(msgs, list):
            out[field] = [str(m) if not isinstance(m, dict) else "; ".join(
                f"{k}: {' '.join(str(x) for x in v)}" for k, v in m.items()) for m in msgs if m]
        else:
            out[field] = [str(msgs)]
    return out


# --- fee schedule ------------------------------------------------------------------

@login_required
def fee_schedule(request):
    """The public fee schedule a technician shows on site (seeds/001)."""
    schedules = list(sel.schedules_visible_to(request.user))
    in_force = sel.schedule_in_force()
    chosen = in_force
    version = request.GET.get("version")
    if version:
        chosen = next((s for s in schedules if s.version == version), None)
        if chosen is None:
            raise Http404
    labour, parts = sel.schedule_lines(chosen) if chosen else ([], [])
    return render(request, "billing/fees/schedule.html", {
        "schedules": schedules, "schedule": chosen, "in_force": in_force, "labour": labour, "parts": parts,
    })


@login_required
def fee_schedule_print(request, version):
    schedule = get_object_or_404(sel.schedules_visible_to(request.user), version=version)
    labour, parts = sel.schedule_lines(schedule)
    return render(request, "billing/fees/schedule_print.html", {"schedule": schedule, "labour": labour,
                                                                 "parts": parts})


@login_required
def entitlement_preview(request):
    """The create form's live warranty check (htmx fragment)."""
    data = EntitlementPreviewInput(data={k: v for k, v in request.GET.items() if v not in ("", None)})
    decision = sel.entitlement_preview(**data.validated_data) if data.is_valid() else None
    return render(request, "billing/fees/_preview.html", {"decision": decision})


# --- charges on a work order ---------------------------------------------------

def _order(request, pk):
    order = get_object_or_404(
        work_orders_visible_to(request.user).select_related("category", "product", "customer", "technician__user"),
        pk=pk)
    if not sel.user_may_read_quote(request.user, order):
        raise Forbidden
    return order


def _charges_context(request, order, *, failed=None, errors=None, values=None):
    quote = sel.quote_of(order)
    schedule = sel.schedule_in_force()
    labour, parts = sel.schedule_lines(schedule, order.category) if schedule and order.category_id else ([], [])
    quantities = {}
    if failed == "quote" and values:
        quantities = values
    elif quote is not None:
        for line in quote.lines.all():
            quantities[line.code] = line.quantity
    for item in [*labour, *parts]:
        item.qty = quantities.get(item.code, 0)
    may_write = sel.user_may_write_quote(request.user, order)
    return {
        "order": order,
        "entitlement": sel.entitlement_of(order),
        "quote": quote,
        "money": sel.quote_money(quote) if quote else None,
        "schedule": schedule,
        "labour": labour,
        "parts": parts,
        "may_write": may_write,
        "may_quote": may_write and order.state in services.QUOTABLE_STATES
        and (quote is None or quote.state == Quote.State.DRAFT),
        "may_refund": sel.user_may_refund(request.user),
        "failed": failed,
        "errors": errors or {},
        "values": values or {},
        "methods": Payment.Method.choices,
    }


@login_required
def work_order_charges(request, pk):
    order = _order(request, pk)
    return render(request, "billing/fees/charges.html", _charges_context(request, order))


def _run(request, order, form, call, success):
    """Call a service; on an application error show the page again with the error next to its field."""
    try:
        call()
    except ApplicationError as exc:
        errors = {exc.field or "general": [str(exc.message)]}
        context = _charges_context(request, order, failed=form, errors=errors, values=request.POST)
        return render(request, "billing/fees/charges.html", context, status=exc.status)
    messages.success(request, success)
    return redirect("billing-charges", pk=order.pk)


def _invalid(request, order, form, serializer):
    context = _charges_context(request, order, failed=form, errors=_errors(serializer.errors), values=request.POST)
    return render(request, "billing/fees/charges.html", context, status=400)


@login_required
@require_POST
def quote_post(request, pk):
    order = _order(request, pk)
    lines, values = [], {}
    for key, value in request.POST.items():
        if key.startswith("qty_") and value.strip() not in ("", "0"):
            code = key[4:]
            try:
                quantity = int(value)
            except ValueError:
                quantity = 0
            values[code] = value
            lines.append({"code": code, "quantity": quantity})
    try:
        services.quote_set(order_id=order.pk, by=request.user, lines=lines)
    except ApplicationError as exc:
        context = _charges_context(request, order, failed="quote", errors={exc.field or "general": [str(exc.message)]},
                                   values=values)
        return render(request, "billing/fees/charges.html", context, status=exc.status)
    messages.success(request, _("Quote saved: show it to the customer."))
    return redirect("billing-charges", pk=order.pk)


@login_required
@require_POST
def quote_accept(request, pk):
    order = _order(request, pk)
    if request.POST.get("confirm") != "on":
        return _invalid(request, order, "accept", _Errors({"confirm": [_("The customer must accept the quote.")]}))
    data = AcceptInput(data={"accepted_by": request.POST.get("accepted_by", "")})
    if not data.is_valid():
        return _invalid(request, order, "accept", data)
    return _run(request, order, "accept",
                lambda: services.quote_accept(order_id=order.pk, by=request.user, **data.validated_data),
                _("The customer accepted the quote."))


@login_required
@require_POST
def quote_charge(request, pk):
    order = _order(request, pk)
    return _run(request, order, "charge", lambda: services.quote_charge(order_id=order.pk, by=request.user),
                _("Charged."))


@login_required
@require_POST
def payment_post(request, pk):
    order = _order(request, pk)
    data = PaymentInput(data={k: request.POST.get(k, "") for k in ("method", "amount", "receipt_number",
                                                                   "reference")})
    if not data.is_valid():
        return _invalid(request, order, "payment", data)
    result = {}

    def call():
        result["payment"] = services.payment_record(order_id=order.pk, by=request.user, **data.validated_data)

    response = _run(request, order, "payment", call, _("Payment recorded."))
    if "payment" in result:
        return redirect("billing-receipt", pk=result["payment"].pk)
    return response


@login_required
@require_POST
def refund_post(request, pk):
    payment = get_object_or_404(Payment.objects.select_related("quote"), pk=pk)
    order = _order(request, payment.quote.order_id)
    data = RefundInput(data={k: request.POST.get(k, "") for k in ("amount", "reason")})
    if not data.is_valid():
        return _invalid(request, order, f"refund-{payment.pk}", data)
    return _run(request, order, f"refund-{payment.pk}",
                lambda: services.refund_record(payment_id=payment.pk, by=request.user, **data.validated_data),
                _("Refund recorded."))


@login_required
def receipt(request, pk):
    """The printable receipt of one payment (seeds/001, seeds/003: a receipt or invoice for every payment)."""
    from ..api.fees import payments_visible_to

    payment = get_object_or_404(payments_visible_to(request.user).select_related(
        "quote__order__customer", "quote__order__category", "quote__schedule"), pk=pk)
    quote = payment.quote
    return render(request, "billing/fees/receipt.html", {
        "payment": payment, "quote": quote, "order": quote.order, "lines": quote.lines.all(),
        "refunds": payment.refunds.all(),
    })


class _Errors:
    """Serializer-like errors for a check made by the page itself."""

    def __init__(self, errors):
        self.errors = errors


# --- parts stock ----------------------------------------------------------------

@login_required
def stock(request):
    points = list(sel.stock_points_visible_to(request.user))
    if not points:
        raise Forbidden
    return _stock_page(request, points)


def _stock_page(request, points, *, errors=None, values=None, status=200):
    unit_id = request.GET.get("unit") or (values or {}).get("unit") or ""
    items = sel.stock_visible_to(request.user).order_by("unit__name", "part_code")
    if str(unit_id).isdigit():
        items = items.filter(unit_id=unit_id)
    deposits = {d.unit_id: d for d in ServicePointDeposit.objects.filter(unit__in=points)}
    for point in points:
        point.deposit = deposits.get(point.pk)
    movements = list(StockMovement.objects.filter(item__in=items).select_related("item__unit", "by", "order")[:30])
    _show_only_visible_orders(request.user, movements)
    return render(request, "billing/fees/stock.html", {
        "points": points, "unit_id": str(unit_id), "items": items,
        "low": [i for i in sel.low_stock(request.user).order_by("unit__name", "part_code")],
        "movements": movements, "kinds": StockMovement.Kind.choices, "errors": errors or {},
        "values": values or {}, "may_manage": sel.user_may_manage_stock(request.user),
    }, status=status)


@login_required
@require_POST
def stock_move(request):
    points = list(sel.stock_points_visible_to(request.user))
    if not points:
        raise Forbidden
    raw = {k: request.POST.get(k, "") for k in ("unit", "part_code", "kind", "quantity", "work_order", "note")}
    payload = {**raw, "work_order": _order_id_from(raw["work_order"], request.user)}
    data = StockMovementInput(data=payload)
    if not data.is_valid():
        return _stock_page(request, points, errors=_errors(data.errors), values=raw, status=400)
    v = data.validated_data
    try:
        services.stock_move(unit_id=v["unit"], part_code=v["part_code"], kind=v["kind"], quantity=v["quantity"],
                            by=request.user, order_id=v["work_order"], note=v["note"])
    except ApplicationError as exc:
        return _stock_page(request, points, errors={exc.field or "general": [str(exc.message)]}, values=raw,
                           status=exc.status)
    messages.success(request, _("Stock updated."))
    return redirect(reverse("billing-stock") + f"?unit={v['unit']}")


def _show_only_visible_orders(user, movements):
    """A movement names its work order only to whom may see that order: a
    technician sees the numbers of their own jobs, not their colleagues'
    (issue 13, item 13); the rule is the work order list's own."""
    ids = {m.order_id for m in movements if m.order_id}
    visible = set(work_orders_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    for m in movements:
        m.shown_order = m.order if m.order_id in visible else None


def _order_id_from(value, user):
    """A work order named by its number (as printed) or its id. A number the
    user may not see is no order (stock_move refuses an id it may not see alike)."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    order = work_orders_visible_to(user).filter(number=value).only("pk").first()
    return order.pk if order else -1


urlpatterns = [
    path("fees/", fee_schedule, name="billing-fee-schedule"),
    path("fees/<slug:version>/print/", fee_schedule_print, name="billing-fee-schedule-print"),
    path("billing/entitlement-preview/", entitlement_preview, name="billing-entitlement-preview"),
    path("billing/work-orders/<int:pk>/", work_order_charges, name="billing-charges"),
    path("billing/work-orders/<int:pk>/quote/", quote_post, name="billing-quote"),
    path("billing/work-orders/<int:pk>/accept/", quote_accept, name="billing-accept"),
    path("billing/work-orders/<int:pk>/charge/", quote_charge, name="billing-charge"),
    path("billing/work-orders/<int:pk>/pay/", payment_post, name="billing-pay"),
    path("billing/payments/<int:pk>/refund/", refund_post, name="billing-refund"),
    path("billing/payments/<int:pk>/receipt/", receipt, name="billing-receipt"),
    path("stock/", stock, name="billing-stock"),
    path("stock/move/", stock_move, name="billing-stock-move"),
]
