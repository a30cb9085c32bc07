"""Filing a complaint from the page, prefilled from the call-center console."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from servicedesk.accounts.roles import Role
from servicedesk.core.errors import ValidationFailed
from servicedesk.customers.selectors import phone_policy_for, show_as_sent
from servicedesk.customers.services import customer_find_by_phone
from tickets.selectors import work_orders_visible_to

from .. import selectors, services
from ..forms import ComplaintCreateForm


def _prefill(request, work_orders) -> dict:
    """?work_order=<id>&phone=... from the call-center console: the caller's
    file and the order the complaint is about."""
    initial = {}
    order_id = request.GET.get("work_order", "")
    if order_id.isdigit():
        order = work_orders.select_related("customer", "address").prefetch_related("customer__phones").filter(
            pk=order_id).first()
        if order is not None:
            policy = phone_policy_for(request)
            show_as_sent(policy, order)  # a partner's own order: what it sent, not the file
            initial.update(work_order=order.number, customer_name=order.customer.name,
                           customer_address=order.address.text if order.address else "")
            if policy.visible(customer=order.customer, order=order):
                initial["customer_phone"] = policy.first_phone(order.customer, order=order)
    phone = request.GET.get("phone", "").strip()
    if phone:
        initial["customer_phone"] = phone
        customer = customer_find_by_phone(phone) if request.user.roles != {Role.PARTNER} else None
        if customer is not None:
            initial["customer_name"] = customer.name
            address = customer.addresses.order_by("-id").first()
            if address and not initial.get("customer_address"):
                initial["customer_address"] = address.text
    return initial


@login_required
def complaint_new(request):
    user = request.user
    if not selectors.user_may_create_complaints(user):
        raise Forbidden
    work_orders = work_orders_visible_to(user)
    if request.method == "POST":
        form = ComplaintCreateForm(request.POST, work_orders=work_orders)
        if form.is_valid():
            try:
                complaint, _created = services.complaint_create(by=user, **form.validated)
            except ValidationFailed as exc:
                form.add_error(form.field_for(exc.field), str(exc.message))
            else:
                messages.success(request, _("Complaint %(number)s filed as class %(level)d: %(reason)s") % {
                    "number": complaint.number, "level": complaint.complaint_class, "reason": complaint.class_reason})
                return redirect("complaint-detail", pk=complaint.pk)
    else:
        form = ComplaintCreateForm(initial=_prefill(request, work_orders), work_orders=work_orders)
    return render(request, "complaints/complaint_form.html", {
        "form": form, "repeat_days": selectors.repeat_window().days,
    }, status=400 if form.errors else 200)
