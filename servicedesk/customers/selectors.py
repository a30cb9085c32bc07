"""Who may see a customer's phone number: the one privacy rule (issue 5,
item 5), in one place. Every place a number leaves the system (the work-order
and complaint APIs, their pages, calls) asks here and shows either the full
number or the masked one (138****1234, servicedesk.core.phone.mask_phone).

domain.md section 2 (seeds/001): never disclose customer data. The rule:

- Partner systems see masked numbers always, also on the orders they created
  themselves: the number leaves the company to an outside system. A partner
  account is masked even if it was also given a staff role.
- Staff (agent, dispatcher, supervisor, complaint handler, manager, HR,
  administrator) see full numbers: they call customers back.
- A technician sees the full number of a customer who has an OPEN work
  order assigned to them (received ... signed_off: the technician calls
  before the visit, seeds/002 and seeds/004 "contact"). Once the order is
  closed or cancelled the number is masked again: the follow-up visit is the
  call center's, and a revisit is a new order that shows it again.
- Anyone else (the telephone switch, a user without a role) sees it masked;
  the telephone switch is refused the customer resources altogether.

For a list, build one `PhonePolicy(user)` and ask it for every row: it costs
at most one query per list (a technician's open customers), never one per row.
"""

import contextlib
import copy
import datetime

from servicedesk.accounts.roles import Role
from servicedesk.core.phone import mask_phone

from .models import Address

# Which customers a technician is serving now (an open work order assigned to
# them) is the work orders' rule; customers sits below tickets and imports it
# not (docs/architecture.md, Layers), so TicketsConfig.ready() registers it
# here: `register_served_by(fn)`, fn(technician_id) -> customer ids.
_served_by = None


def register_served_by(served_by) -> None:
    global _served_by
    _served_by = served_by


# Roles that see customers' full numbers.
FULL_NUMBER_ROLES = frozenset({
    Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.HANDLER, Role.MANAGER, Role.HR, Role.ADMINISTRATOR,
})


class PhonePolicy:
    """The rule above for one user, with what it needs fetched once."""

    def __init__(self, user):
        self.user = user
        self._open_customer_ids = None
        authenticated = user is not None and user.is_authenticated
        self.partner = authenticated and user.has_role(Role.PARTNER)
        self.sees_all = authenticated and not self.partner and user.has_role(*FULL_NUMBER_ROLES)
        technician = None
        if authenticated and not self.partner and not self.sees_all and user.has_role(Role.TECHNICIAN):
            technician = getattr(user, "technician", None)
        self.technician_id = technician.pk if technician is not None else None

    def open_customer_ids(self) -> frozenset:
        """Customers with an open order assigned to this technician (one query, once)."""
        if self._open_customer_ids is None:
            self._open_customer_ids = frozenset(_served_by(self.technician_id) if _served_by is not None else ())
        return self._open_customer_ids

    def visible(self, *, customer, order=None) -> bool:
        if self.sees_all:
            return True
        if self.technician_id is None:
            return False
        if order is not None and order.technician_id == self.technician_id and order.is_open:
            return True  # the order being shown: no query
        customer_id = customer if isinstance(customer, int) else getattr(customer, "pk", None)
        return customer_id in self.open_customer_ids()

    def phone(self, number: str, *, customer, order=None) -> str:
        number = number or ""
        if not number or self.visible(customer=customer, order=order):
            return number
        return mask_phone(number)

    def first_phone(self, customer, *, order=None) -> str:
        """The customer's first number (from prefetched `customer.phones`), as this user may see it."""
        # The prefetched rows as they are: `.all()` would build a queryset per row.
        cached = getattr(customer, "_prefetched_objects_cache", {}).get("phones")
        phones = cached._result_cache if cached is not None and cached._result_cache is not None else None
        if phones is None:
            phones = list(customer.phones.all())
        return self.phone(phones[0].number if phones else "", customer=customer, order=order)


def phone_visible_to(user, *, customer, order=None) -> bool:
    """Whether `user` may see `customer`'s full number (on `order`, if one is shown)."""
    return PhonePolicy(user).visible(customer=customer, order=order)


def phone_for(user, number: str, *, customer, order=None) -> str:
    """`number` of `customer` as `user` may see it: in full, or masked."""
    return PhonePolicy(user).phone(number, customer=customer, order=order)


def phone_policy_for(request_or_context) -> PhonePolicy:
    """One policy per request, kept on the request (or a serializer context's
    request): every row of a list reuses it."""
    request = request_or_context.get("request") if isinstance(request_or_context, dict) else request_or_context
    user = getattr(request, "user", None)
    if request is None:
        return PhonePolicy(user)
    policy = getattr(request, "_phone_policy", None)
    if policy is None or policy.user is not user:
        policy = PhonePolicy(user)
        with contextlib.suppress(AttributeError):
            request._phone_policy = policy
    return policy


# --- what a partner sees of the customer (contract: Retries, privacy, abuse) ---
#
# Orders are matched to the customer's file by phone so that agents see the
# caller's whole file. A partner system knowing a phone number must not learn
# from that match who the customer is: its answers show the customer as that
# partner sent it (`customer_as_sent` on the order: name, phone, address of
# its own request), never the name or addresses another party stored.


def customer_as_sent(data: dict | None) -> dict:
    """The snapshot kept on an order a partner created: {"name", "phone", "address"}."""
    data = data or {}
    return {"name": (data.get("name") or "").strip(), "phone": data.get("phone") or "",
            "address": (data.get("address") or "").strip()}


def _day(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def product_as_sent(product: dict | None) -> dict | None:
    """What a partner sent of the product, kept beside the customer in the
    row's snapshot (`customer_as_sent["product"]`): the stored product a
    serial matched may carry a model and dates another party recorded
    (contract: Retries, privacy, abuse)."""
    if not product:
        return None
    category = product.get("category")
    return {"category": getattr(category, "slug", category) or "", "model": (product.get("model") or "").strip(),
            "serial": (product.get("serial") or "").strip(), "purchase_date": _day(product.get("purchase_date")),
            "manufactured_on": _day(product.get("manufactured_on"))}


def product_shown(policy: PhonePolicy, obj, *, made=False) -> dict | None:
    """`obj`'s product (a work order or return) for an API answer: {"id",
    "category", "model", "serial", "purchase_date"} (and "manufactured_on"
    with `made`); to a partner, as that partner sent it (a row from before
    the snapshot kept the product: its category and nothing else)."""
    p = obj.product
    if p is None:
        return None
    if policy.partner:
        sent = (obj.customer_as_sent or {}).get("product") or {}
        shown = {"id": p.pk, "category": sent.get("category") or p.category.slug, "model": sent.get("model", ""),
                 "serial": sent.get("serial", ""), "purchase_date": sent.get("purchase_date")}
        if made:
            shown["manufactured_on"] = sent.get("manufactured_on")
        return shown
    shown = {"id": p.pk, "category": p.category.slug, "model": p.model, "serial": p.serial,
             "purchase_date": _day(p.purchase_date)}
    if made:
        shown["manufactured_on"] = _day(p.manufactured_on)
    return shown


def customer_shown(policy: PhonePolicy, obj, *, order=None) -> dict:
    """`obj`'s customer (a work order, complaint or return carrying `customer`,
    `address` and `customer_as_sent`) as `policy`'s user may see it, for an
    API answer: {"id", "name", "phone", "address"}."""
    if policy.partner:
        if obj.customer_as_sent is None:
            # A row from before the snapshot was kept: no name, no address.
            return {"id": obj.customer_id, "name": "", "phone": policy.first_phone(obj.customer, order=order),
                    "address": ""}
        sent = customer_as_sent(obj.customer_as_sent)
        return {"id": obj.customer_id, "name": sent["name"],
                "phone": policy.phone(sent["phone"], customer=obj.customer, order=order), "address": sent["address"]}
    return {"id": obj.customer_id, "name": obj.customer.name,
            "phone": policy.first_phone(obj.customer, order=order),
            "address": obj.address.text if obj.address_id else ""}


def show_as_sent(policy: PhonePolicy, obj) -> None:
    """For a page rendered to a partner: put the customer as the partner sent
    it in place of the stored file, in memory only (the templates read
    `obj.customer.name` and `obj.address.text`). Display only: the object is
    not saved after this (the foreign keys' ids are untouched anyway)."""
    if not policy.partner:
        return
    sent = customer_as_sent(obj.customer_as_sent)
    shown = copy.copy(obj.customer)
    shown.name = sent["name"]
    shown.vip = False
    obj._state.fields_cache["customer"] = shown
    obj._state.fields_cache["address"] = Address(text=sent["address"]) if sent["address"] else None
    if not sent["address"] and any(f.name == "region" for f in obj._meta.concrete_fields):
        obj._state.fields_cache["region"] = None  # else derived from an address the partner did not send
    product = getattr(obj, "product", None) if any(f.name == "product" for f in obj._meta.concrete_fields) else None
    if product is not None:
        shown_product = product_shown(policy, obj, made=True)
        copied = copy.copy(product)
        copied.model, copied.serial = shown_product["model"], shown_product["serial"]
        for field in ("purchase_date", "manufactured_on"):
            setattr(copied, field, datetime.date.fromisoformat(shown_product[field]) if shown_product[field] else None)
        obj._state.fields_cache["product"] = copied
