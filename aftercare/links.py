"""The customer's signed link (api-contract: Satisfaction): the order's id
signed with a timestamp (django.core.signing), no login. Expires after
CUSTOMER_LINK_MAX_AGE_DAYS; the host is PUBLIC_BASE_URL, else the request's.

The timestamp signed is the local midnight after the link was made, not the
second: the order's answer then reads the same link all day (an answer and
its read-back agree, a repeated request answers the same bytes), and the
link lives at least the configured days."""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

SALT = "aftercare.customer-page"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


class _DaySigner(signing.TimestampSigner):
    def timestamp(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        midnight = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
        return signing.b62_encode(int(midnight.timestamp()))


def _signer():
    return _DaySigner(salt=SALT)


def token_for(order) -> str:
    return _signer().sign(str(order.pk))


def order_id_from(token: str) -> int:
    max_age = datetime.timedelta(days=settings.SERVICEDESK["CUSTOMER_LINK_MAX_AGE_DAYS"])
    try:
        value = _signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired() from None
    except signing.BadSignature:
        raise LinkInvalid() from None
    try:
        return int(value)
    except ValueError:
        raise LinkInvalid() from None


def customer_link(order, request=None) -> str:
    path = reverse("customer-page", args=[token_for(order)])
    base = settings.PUBLIC_BASE_URL
    if base:
        return base + path
    if request is not None and hasattr(request, "build_absolute_uri"):
        return request.build_absolute_uri(path)
    return path
