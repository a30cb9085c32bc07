"""Pages of returns (htmx). Thin like the API: the API's input serializers
validate, the same services write, the selectors decide who sees and may
do what."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ApplicationError
from servicedesk.customers.models import ProductCategory
from servicedesk.customers.selectors import phone_policy_for, show_as_sent

from .. import selectors as sel
from .. import services
from ..api.requests import AssessInput, AssignInput, ReturnCreateInput, ReturnNoteInput, VisitInput
from ..models import RequestedBy, ReturnRequest
from .common import PAGE_SIZE, decorate, domain_error_message, error_messages, flat_errors

RETURN_LABELS = {
    "create": gettext_lazy("Recorded"),
    "assess": gettext_lazy("Assess"),
    "visit": gettext_lazy("Technician's visit"),
    "assign": gettext_lazy("Technician sent on site"),
    "propose-exchange": gettext_lazy("Exchange proposed"),
    "accept-exchange": gettext_lazy("Customer accepts the exchange"),
    "fulfil": gettext_lazy("Fulfil"),
    "close": gettext_lazy("Close"),
}


def _may_read_returns(request):
    if not sel.user_may_read_returns(request.user):
        raise Forbidden


@login_required
def return_list(request):
    _may_read_returns(request)
    qs = sel.returns_with_relations(sel.returns_visible_to(request.user))
    selected = {k: request.GET.get(k, "") for k in ("state", "requested_by", "category")}
    if selected["state"]:
        qs = qs.filter(state=selected["state"])
    if selected["requested_by"]:
        qs = qs.filter(requested_by=selected["requested_by"])
    if selected["category"]:
        qs = qs.filter(product__category__slug=selected["category"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page:
        show_as_sent(phone_policy_for(request), r)  # a partner sees the customer as it sent it
    return render(request, "returns/list.html", {
        "page": page, "selected": selected, "filtered": any(selected.values()),
        "states": ReturnRequest.State.choices, "requesters": RequestedBy.choices,
        "categories": ProductCategory.objects.filter(active=True).values_list("slug", "name"),
        "may_create": sel.user_may_create_returns(request.user),
    })


@login_required
def return_new(request):
    if not sel.user_may_create_returns(request.user):
        raise Forbidden
    values, errors = {}, {}
    if request.method == "POST":
        values = request.POST.dict()
        product = {k: values.get(k, "") for k in ("category", "model", "serial", "proof_of_purchase")}
        for k in ("purchase_date", "manufactured_on"):
            if values.get(k):
                product[k] = values[k]
        body = {
            "customer": {"name": values.get("name", ""), "phone": values.get("phone", ""),
                         "address": values.get("address", "")},
            "product": product, "requested_by": values.get("requested_by", ""), "reason": values.get("reason", ""),
            "batch": values.get("batch") == "on", "batch_code": values.get("batch_code", ""),
            "quantity": values.get("quantity") or 1,
        }
        data = ReturnCreateInput(data=body)
        if data.is_valid():
            v = dict(data.validated_data)
            v["product"] = dict(v["product"])
            try:
                obj = services.return_create(by=request.user, **v)
            except ApplicationError as e:
                errors = {e.field or "form": [str(e.message)]}
            else:
                messages.success(request, _("Return %(number)s recorded.") % {"number": obj.number})
                return redirect("return-detail", obj.pk)
        else:
            errors = flat_errors(data.errors)
    return render(request, "returns/form.html", {
        "values": values, "errors": errors, "requesters": RequestedBy.choices,
        "categories": ProductCategory.objects.filter(active=True).values_list("slug", "name"),
    }, status=400 if errors else 200)


@login_required
def return_detail(request, pk):
    _may_read_returns(request)
    obj = get_object_or_404(sel.returns_with_relations(sel.returns_visible_to(request.user)), pk=pk)
    history = list(sel.return_history(obj))
    for h in history:
        h.label = RETURN_LABELS.get(h.action, h.action)
    decorate(obj, history, dict(ReturnRequest.State.choices))
    show_as_sent(phone_policy_for(request), obj)
    rules = sel.finding_rules(obj.product.category.slug)
    labels = {r.finding: r.label for r in rules}
    return render(request, "returns/detail.html", {
        "obj": obj, "actions": sel.return_actions_for(request.user, obj), "history": history,
        "finding_rules": rules,
        "technicians": sel.technicians_for_return(obj) if "assign" in sel.return_actions_for(request.user, obj) else [],
        "findings": [(labels.get(name, name), value) for name, value in (obj.findings or {}).items()],
    })


RETURN_INPUTS = {"assess": AssessInput, "visit": VisitInput, "assign": AssignInput, "accept-exchange": ReturnNoteInput,
                 "fulfil": ReturnNoteInput, "close": ReturnNoteInput}


@login_required
@require_POST
def return_action(request, pk, action):
    _may_read_returns(request)
    if action not in RETURN_INPUTS:
        raise Forbidden
    obj = get_object_or_404(sel.returns_visible_to(request.user).select_related("product__category"), pk=pk)
    body = {"note": request.POST.get("note", "")}
    if action == "assess":
        body["findings"] = {r.finding: request.POST.get(f"finding_{r.finding}") == "on"
                            for r in sel.finding_rules(obj.product.category.slug)}
    if action == "visit":
        body["confirmed"] = request.POST.get("confirmed") == "yes"
    if action == "assign":
        body["technician"] = request.POST.get("technician", "")
    data = RETURN_INPUTS[action](data=body)
    if not data.is_valid():
        error_messages(request, data.errors)
        return redirect("return-detail", pk)
    try:
        obj = services.RETURN_SERVICES[action](return_id=obj.pk, by=request.user, **data.validated_data)
    except ApplicationError as e:
        domain_error_message(request, e, RETURN_LABELS.get(action))
    else:
        if action in ("assess", "visit"):
            messages.success(request, _("Decision: %(decision)s. %(reason)s") % {
                "decision": obj.get_decision_display(), "reason": obj.reason_told})
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": RETURN_LABELS[action]})
    return redirect("return-detail", pk)
