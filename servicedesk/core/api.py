"""Shared pieces of the REST layer: pagination, the exception handler, and
fields that enforce the contract's conventions."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError
from .paginator import CountingPaginator


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = CountingPaginator  # a whole table's count from its counter, where it has one


def exception_handler(exc, context):
    """Every error answer that is not a field error carries `code`, a stable
    identifier that does not change with the language of `detail` (contract:
    Error codes)."""
    if isinstance(exc, ApplicationError):
        return error_response(exc)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response({k: [str(m) for m in v] for k, v in exc.message_dict.items()}, status=400)
        return Response({"detail": " ".join(str(m) for m in exc.messages), "code": exc.code or "invalid"},
                        status=400)
    if isinstance(exc, Http404):
        # get_object_or_404's message names the model class ("No ReturnRequest matches the given
        # query."), in English: answer DRF's translated "Not found." instead.
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError) and isinstance(response.data, list):
        # A ValidationError raised with a message, not a dict: DRF answers a bare list, which is
        # neither shape of a 400 (field errors by name, or detail and code).
        codes = exc.get_codes()
        code = codes[0] if isinstance(codes, list) and codes and isinstance(codes[0], str) else "invalid"
        response.data = {"detail": " ".join(str(m) for m in response.data), "code": code}
    if response is not None and isinstance(response.data, dict) and set(response.data) == {"detail"}:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else None
        code = getattr(detail, "code", None) or getattr(exc, "default_code", None) or "error"
        response.data["code"] = code
    return response


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a timestamp without one is refused (contract:
    Conventions). Output carries the organisation's offset."""

    default_error_messages = {
        "naive": _("Timestamp must include a UTC offset, e.g. 2026-11-23T09:30:00+08:00."),
        "out_of_range": _("Must be between the years %(first)d and %(last)d."),
    }
    # The years a timestamp sent may fall in. Outside them a time is a typing error, and in the
    # year 1 or 1900 the organisation's zone had a local mean time offset (+08:05:43) that no
    # RFC 3339 date-time can carry (issue 16: schemathesis found such answers).
    FIRST_YEAR, LAST_YEAR = 2000, 2099

    def to_internal_value(self, value):
        raw = value
        if isinstance(value, str):
            try:
                raw = parse_datetime(value.strip())
            except ValueError:
                raw = None
        if isinstance(raw, datetime.datetime) and timezone.is_naive(raw):
            self.fail("naive")
        parsed = super().to_internal_value(value)
        if not self.FIRST_YEAR <= parsed.astimezone(datetime.UTC).year <= self.LAST_YEAR:
            raise serializers.ValidationError(
                self.error_messages["out_of_range"] % {"first": self.FIRST_YEAR, "last": self.LAST_YEAR},
                code="out_of_range")
        return parsed


class DayField(serializers.DateField):
    """A local day asked for (a schedule's, a board's): within the same years
    as a timestamp (AwareDateTimeField), or a 400 naming the field; the day
    9999-12-31 would otherwise overflow when its end is computed."""

    default_error_messages = {"out_of_range": AwareDateTimeField.default_error_messages["out_of_range"]}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not AwareDateTimeField.FIRST_YEAR <= day.year <= AwareDateTimeField.LAST_YEAR:
            raise serializers.ValidationError(
                self.error_messages["out_of_range"]
                % {"first": AwareDateTimeField.FIRST_YEAR, "last": AwareDateTimeField.LAST_YEAR},
                code="out_of_range")
        return day


class NotFutureDateTimeField(AwareDateTimeField):
    """A report time: at most FUTURE_TOLERANCE_SECONDS ahead of now, and at
    most SERVICEDESK_MAX_BACKDATE_DAYS behind it (contract: Retries, privacy,
    abuse; a back-dated order would be overdue, and escalate, at once)."""

    default_error_messages = {
        "future": _("Must not be in the future."),
        "too_old": _("Must not be more than %(days)d days in the past."),
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        now = timezone.now()
        tolerance = settings.SERVICEDESK["FUTURE_TOLERANCE_SECONDS"]
        if (parsed - now).total_seconds() > tolerance:
            self.fail("future")
        days = settings.SERVICEDESK_MAX_BACKDATE_DAYS
        if now - parsed > datetime.timedelta(days=days):
            raise serializers.ValidationError(self.error_messages["too_old"] % {"days": days}, code="too_old")
        return parsed


def error_response(exc: ApplicationError):
    """A domain error's answer: field errors as `{field: [message]}`, anything
    else with its `code` (contract: Error codes)."""
    payload = exc.as_payload()
    if "detail" in payload:
        payload["code"] = exc.code
    return Response(payload, status=exc.status)


def not_found(request, exception=None):
    """The project's handler404: an address under /api/ that no URL pattern
    matches (`/api/v1/work-orders/-1/dispatch/`: the patterns take positive
    ids only) answers JSON like every other API error, not the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)
