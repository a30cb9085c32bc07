"""What aftercare hands to the apps around it, registered from
AftercareConfig.ready (docs/architecture.md, registries):

- the survey responses behind the satisfaction measures (measures.satisfaction);
- the customer's page as the link the sign-off message carries (messaging.links);
- the documents of the order (documents) on the customer's page."""

from django.conf import settings

from documents.links import pdf_path
from documents.models import Document

from .links import customer_link
from .models import Survey


def survey_responses(*, start, end, orders):
    """The responses given in [start, end) for `orders` (None: all), as measures.satisfaction asks."""
    rows = Survey.objects.filter(at__gte=start, at__lt=end)
    return rows if orders is None else rows.filter(order__in=orders)


def message_survey_link(order) -> str | None:
    """The customer's page, absolute: PUBLIC_BASE_URL, else the site's own address
    (SERVICEDESK_BASE_URL); a message is sent with no request to take the host from."""
    link = customer_link(order)
    if link.startswith("/"):
        base = (settings.SITE_URL or "").rstrip("/")
        return base + link if base else None
    return link


def order_documents(order) -> list[dict]:
    """The documents the customer keeps (service record, receipt, notice), by their signed links."""
    return [{"kind": d.kind, "label": d.get_kind_display(), "url": pdf_path(d)}
            for d in Document.objects.filter(order=order).order_by("created_at", "id")]
