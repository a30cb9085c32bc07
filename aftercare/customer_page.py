"""The customer's page, opened from the signed link without a login (issue
15, item 2): the order's progress, the technician, the appointment with
confirm / ask for another time, the documents, the survey form (once).

`document_providers`: the apps that make the order's documents (service
record, receipt) register `fn(order) -> [{"kind", "label", "url"}]` with
`register_document_provider` from their AppConfig.ready; the page shows what
every registered provider answers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import CSRFCheck
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from servicedesk.core.errors import ApplicationError
from servicedesk.core.idempotency import IdempotentPostMixin
from servicedesk.core.phone import mask_phone
from tickets.models import WorkOrder

from . import links, selectors, services
from .models import ITEMS, AppointmentRequest, Survey

document_providers: list[Callable] = []


def register_document_provider(provider: Callable) -> None:
    if provider not in document_providers:
        document_providers.append(provider)


def documents_of(order) -> list[dict]:
    shown = []
    for provider in document_providers:
        for doc in provider(order) or ():
            if doc.get("url"):
                shown.append({"kind": doc.get("kind", ""), "label": doc.get("label") or doc.get("kind", ""),
                              "url": doc["url"]})
    return shown


def _item_labels():
    return {"attitude": _("Service attitude"), "skill": _("Technical skill"), "punctuality": _("Punctuality"),
            "overall": _("Overall satisfaction")}


def _gone(request, status, expired):
    return render(request, "aftercare/customer_gone.html", {"expired": expired}, status=status)


class CustomerPage(IdempotentPostMixin, APIView):
    """GET shows the page; POST takes one of its forms (`form`: confirm,
    reschedule, survey). No login: the signed token is the key. CSRF is
    checked on every POST (DRF leaves anonymous posts unchecked otherwise)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser]
    throttle_classes: list = []

    def dispatch(self, request, *args, **kwargs):
        # In Chinese (issue 15) unless the customer chose another language on the page.
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or "zh-hans"
        with translation.override(language):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            request.data  # noqa: B018 - parsed first, so Django's request.POST is the parsed form
            check = CSRFCheck(lambda req: None)
            check.process_request(request._request)
            self._csrf_failed = check.process_view(request._request, None, (), {}) is not None

    def _order(self, token):
        try:
            order_id = links.order_id_from(token)
        except links.LinkExpired:
            return None, 410
        except links.LinkInvalid:
            return None, 404
        order = (WorkOrder.objects.select_related("technician__user", "customer", "category")
                 .filter(pk=order_id).first())
        return order, (200 if order is not None else 404)

    def _page(self, request, order, token, *, status=200, errors=None, values=None, done=None):
        technician = order.technician.user if order.technician_id else None
        survey = selectors.survey_of(order)
        labels = _item_labels()
        context = {
            "order": order, "token": token, "steps": selectors.progress_steps(order),
            "technician_name": technician.display_name if technician else "",
            "technician_phone": mask_phone(technician.phone) if technician and technician.phone else "",
            "appointment_open": order.state == WorkOrder.State.SCHEDULED and order.appointment_at is not None,
            "requests": selectors.requests_of(order),
            "documents": documents_of(order),
            "survey": survey, "survey_open": survey is None and order.state in selectors.SURVEYABLE,
            "items": [{"name": item, "label": labels[item], "value": (values or {}).get(item, ""),
                       "errors": (errors or {}).get(item, []),
                       "answer": getattr(survey, item) if survey else None} for item in ITEMS],
            "errors": errors or {}, "values": values or {}, "done": done,
        }
        response = render(request._request, "aftercare/customer_page.html", context, status=status)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"  # the token is the key: never sent to other sites
        return response

    @extend_schema(exclude=True)  # a page, not part of the API
    def get(self, request, token):
        order, status = self._order(token)
        if order is None:
            return _gone(request._request, status, status == 410)
        return self._page(request, order, token)

    @extend_schema(exclude=True)
    def post(self, request, token):
        order, status = self._order(token)
        if order is None:
            return _gone(request._request, status, status == 410)
        if getattr(self, "_csrf_failed", False):
            return render(request._request, "403.html", status=403)
        form = request.data.get("form", "")
        values = {k: request.data.get(k, "") for k in (*ITEMS, "comment", "wish")}
        try:
            if form == "survey":
                services.survey_submit(order_id=order.pk, by=None, channel=Survey.Channel.LINK,
                                       comment=values["comment"], **{k: values[k] for k in ITEMS})
                done = _("Thank you: your answers are recorded.")
            elif form in AppointmentRequest.Kind.values:
                services.appointment_request(order_id=order.pk, kind=form, wish=values["wish"])
                done = (_("Thank you: the appointment is confirmed.") if form == AppointmentRequest.Kind.CONFIRM
                        else _("Thank you: we will call you to agree another time."))
            else:
                return self._page(request, order, token, status=400, errors={"form": [_("Unknown form.")]})
        except ApplicationError as exc:
            field = exc.field or "form"
            return self._page(request, order, token, status=exc.status, errors={field: [str(exc.message)]},
                              values=values)
        order.refresh_from_db()
        return self._page(request, order, token, done=done)
