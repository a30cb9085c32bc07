"""Customers matched by normalised phone (one person, several phones and
addresses), and their products."""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from servicedesk.accounts.models import Region
from servicedesk.core.phone import normalize_phone
from servicedesk.core.process_cache import ProcessCache
from servicedesk.core.querysets import known_rows

from .models import Address, Customer, CustomerPhone, CustomerProduct, ProductCategory
from .selectors import customer_as_sent

# Read once per process, dropped when a region is saved (issue 18; watched in apps.py).
REGIONS = ProcessCache("regions", lambda: list(Region.objects.all()))
# The active product lines by slug, for the API's input (issue 18; watched in apps.py).
ACTIVE_CATEGORIES = ProcessCache(
    "product-categories", lambda: {c.slug: c for c in ProductCategory.objects.filter(active=True)})


def active_category(slug: str) -> ProductCategory | None:
    return ACTIVE_CATEGORIES.get().get(slug)


def region_for_address(text: str) -> Region | None:
    """The region named in the address (most specific name first), else the
    first region of the province named in it."""
    regions = REGIONS.get()
    for region in sorted(regions, key=lambda r: -len(r.name)):
        if region.name and region.name in text:
            return region
    for region in regions:
        if region.province and region.province in text:
            return region
    return None


def customer_find_by_phone(raw_phone: str) -> Customer | None:
    number = normalize_phone(raw_phone)
    phone = CustomerPhone.objects.select_related("customer").filter(number=number).first()
    return phone.customer if phone else None


def customer_match_or_create(*, name: str, phone: str, address: str = "") -> tuple[Customer, Address | None]:
    """The customer who owns this phone number, or a new one. A new address is
    added to the customer's file. Safe under concurrent calls: the unique
    phone number decides who created the customer."""
    number = normalize_phone(phone)
    customer = customer_find_by_phone(number)
    if customer is None:
        text = (address or "").strip()
        region = region_for_address(text) if text else None
        new = _new_customer(Customer(name=name.strip(), created_at=timezone.now()), number, text, region)
        if new is not None:
            return new
        # A concurrent create took the number first (it waited for that one's commit): its customer.
        customer = customer_find_by_phone(number)
    return customer, address_add(customer=customer, text=address)


def _new_customer(customer, number, text, region):
    """Write a new customer with its phone and address, unless the number is
    taken (ON CONFLICT DO NOTHING: no error, so no savepoint around it; then
    nothing is kept and the answer is None). New: no look-up of addresses or
    products it cannot have yet, and its phone where the serializers find it
    without reading it back (issue 18). On PostgreSQL the three rows are one
    statement; elsewhere (SQLite) three."""
    if connection.vendor == "postgresql":
        ids = _insert_customer_phone_address(customer, number, text, region)
        if ids is None:
            return None
        customer.pk, phone_id, address_id = ids
        customer._state.adding, customer._state.db = False, connection.alias
    else:
        customer.save(force_insert=True)
        phone_id = _phone_if_free(customer, number)
        if phone_id is None:
            Customer.objects.filter(pk=customer.pk).delete()
            return None
        address_id = Address.objects.create(customer=customer, text=text, region=region).pk if text else None
    new_address = None
    if address_id is not None:
        new_address = Address(pk=address_id, customer=customer, text=text, region=region)
        new_address._state.adding, new_address._state.db = False, connection.alias
    phone_row = CustomerPhone(pk=phone_id, customer=customer, number=number, primary=True)
    phone_row._state.adding, phone_row._state.db = False, connection.alias
    customer._prefetched_objects_cache = {
        "phones": known_rows(customer.phones.all(), [phone_row]),
        "products": known_rows(customer.products.all(), []),
    }
    return customer, new_address


def _columns(model, *names):
    return ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)


def _values(obj, *names):
    return [obj._meta.get_field(n).get_db_prep_save(getattr(obj, obj._meta.get_field(n).attname), connection)
            for n in names]


def _insert_customer_phone_address(customer, number, text, region):
    """PostgreSQL: the customer, its phone and its address in one statement
    (INSERTs chained by WITH). When the number is taken, the phone's ON
    CONFLICT DO NOTHING writes no phone, hence no address, and the customer
    row is deleted again at once. The answer: (customer id, phone id, address
    id or None), or None when the number is taken."""
    qn = connection.ops.quote_name
    fields = ("name", "vip", "note", "created_at")
    sql = f"""
        WITH c AS (
            INSERT INTO {qn(Customer._meta.db_table)} ({_columns(Customer, *fields)})
            VALUES ({", ".join(["%s"] * len(fields))}) RETURNING {qn("id")}
        ), p AS (
            INSERT INTO {qn(CustomerPhone._meta.db_table)} ({_columns(CustomerPhone, "customer", "number", "primary")})
            SELECT {qn("id")}, %s, true FROM c ON CONFLICT ({qn("number")}) DO NOTHING
            RETURNING {qn("id")}, {qn(CustomerPhone._meta.get_field("customer").column)} AS customer_id
        ), a AS (
            INSERT INTO {qn(Address._meta.db_table)} ({_columns(Address, "customer", "text", "region")})
            SELECT customer_id, %s, %s FROM p WHERE %s RETURNING {qn("id")}
        )
        SELECT c.{qn("id")}, p.{qn("id")}, (SELECT {qn("id")} FROM a) FROM c LEFT JOIN p ON true"""
    with connection.cursor() as cur:
        cur.execute(sql, [*_values(customer, *fields), number, text, region.pk if region else None, bool(text)])
        customer_id, phone_id, address_id = cur.fetchone()
        if phone_id is None:
            # Taken: the customer just written goes (no savepoint to roll back to).
            cur.execute(f"DELETE FROM {qn(Customer._meta.db_table)} WHERE {qn('id')} = %s", [customer_id])
            return None
    return customer_id, phone_id, address_id


def _phone_if_free(customer, number):
    """INSERT the phone unless the number is taken (ON CONFLICT DO NOTHING: no
    error, so no savepoint around it); the new row's id, or None when taken."""
    meta = CustomerPhone._meta
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {qn(meta.db_table)} ({qn(meta.get_field('customer').column)}, {qn('number')}, "
            f"{qn('primary')}) VALUES (%s, %s, %s) ON CONFLICT ({qn('number')}) DO NOTHING RETURNING {qn('id')}",
            [customer.pk, number, True],
        )
        row = cur.fetchone()
    return row[0] if row is not None else None


def address_add(*, customer: Customer, text: str) -> Address | None:
    text = (text or "").strip()
    if not text:
        return customer.addresses.order_by("-id").first()
    existing = customer.addresses.filter(text=text).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Address.objects.create(customer=customer, text=text, region=region_for_address(text))
    except IntegrityError:
        return customer.addresses.get(text=text)


def customer_product_add(*, customer: Customer, category, model="", serial="", purchase_date=None,
                         manufactured_on=None, proof_of_purchase="") -> CustomerProduct:
    """The customer's product with this serial, or a new one. A customer whose
    products are in memory (a new one: customer_match_or_create) is not asked
    the database for them."""
    known = getattr(customer, "_prefetched_objects_cache", {}).get("products")
    if serial:
        if known is not None:
            category_id = getattr(category, "pk", category)
            existing = next((p for p in known if p.category_id == category_id and p.serial == serial), None)
        else:
            existing = customer.products.filter(category=category, serial=serial).first()
        if existing:
            return existing
    product = CustomerProduct.objects.create(
        customer=customer, category=category, model=model or "", serial=serial or "",
        purchase_date=purchase_date, manufactured_on=manufactured_on, proof_of_purchase=proof_of_purchase or "",
    )
    if known is not None:
        known._result_cache.append(product)
    return product


def customer_as_sent_by(*, customer, address: str = "", earlier) -> dict:
    """What a partner told us of the customer (contract: Retries, privacy,
    abuse): the {"name", "phone", "address"} of its request. For an existing
    customer given by id, what it sent on its latest row of that customer in
    `earlier` (that partner's own orders, complaints or returns: a partner
    may refer by id only to customers of its own rows)."""
    if isinstance(customer, dict):
        return customer_as_sent({**customer, "address": customer.get("address") or address})
    sent = customer_as_sent(earlier.filter(customer=customer, customer_as_sent__isnull=False)
                            .order_by("-id").values_list("customer_as_sent", flat=True).first())
    if (address or "").strip():
        sent["address"] = address.strip()
    return sent
