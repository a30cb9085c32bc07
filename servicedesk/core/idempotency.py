"""Idempotency-Key on every POST of the API (api-contract: Retries; issue 16,
item 4).

A POST carrying `Idempotency-Key` runs in one transaction that first claims
the key: an INSERT of (user, key) under a unique constraint, then the view,
then the answer (status, body) written on the claimed row. So the answer is
stored exactly when the request's effects commit; a concurrent repeat's
INSERT waits on the unique index until the first commits, then finds the
answer and replays it; a request that fails with a 500 rolls back and leaves
the key free for the retry. A repeat with another body (method, path or
parsed body) is a 422 `idempotency_key_reused`.

`IdempotentPostMixin` goes first in the bases of every API view that accepts
POST (tests/test_idempotency.py walks the URLs to make sure of it)."""

import datetime
import hashlib
import json

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255  # api-contract: Retries


class IdempotencyKeyReused(ApplicationError):
    status = 422
    code = "idempotency_key_reused"


class _Replay(Exception):
    def __init__(self, response):
        self.response = response


def key_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.SERVICEDESK["IDEMPOTENCY_HOURS"])


def idempotency_keys_purge(*, now=None) -> int:
    """Deletes the answers older than the lifetime (the periodic task)."""
    return IdempotencyKey.objects.filter(created_at__lte=(now or timezone.now()) - key_lifetime()).delete()[0]


def _file_digest(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"file:{value.name}:{digest.hexdigest()}"
    return str(value)


def request_hash(request) -> str:
    """The request as parsed, so the same JSON sent with other spacing or key
    order is the same request. Reading `request.data` here parses the body: a
    malformed one is a 400 before anything is claimed."""
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict (form or multipart): every value of every key
        data = sorted(data.lists())
    canonical = json.dumps([request.method, request.get_full_path(), data], sort_keys=True, default=_file_digest)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key_of(request):
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip():
        raise ApplicationError(_("The Idempotency-Key header must not be blank."), code="invalid_idempotency_key")
    if len(key) > MAX_KEY_LENGTH:
        raise ApplicationError(
            _("The Idempotency-Key header must be at most %(max)d characters long (it has %(length)d).")
            % {"max": MAX_KEY_LENGTH, "length": len(key)}, code="invalid_idempotency_key")
    return key


def _claim(*, user, key, digest):
    """Caller holds a transaction. Answers the row this request now owns, or
    raises _Replay with the stored answer of an earlier request."""
    now = timezone.now()
    # An answer past its lifetime is no longer the key's answer (the purge may not have run yet).
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lte=now - key_lifetime()).delete()
    # Waits here while a concurrent request holding the same key is running.
    IdempotencyKey.objects.bulk_create(
        [IdempotencyKey(user=user, key=key, request_hash=digest, created_at=now)], ignore_conflicts=True)
    row = IdempotencyKey.objects.select_for_update().get(user=user, key=key)
    if row.request_hash != digest:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was used for a different request; use a new key for a new request."))
    if row.status:  # answered by an earlier request (a row of our own still has 0)
        response = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type or None)
        response["Idempotent-Replayed"] = "true"
        raise _Replay(response)
    return row


class IdempotentPostMixin:
    """For DRF views: a POST with an Idempotency-Key is answered once."""

    _idempotency_row = None

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and HEADER in request.headers:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated, permitted, not throttled
        if request.method != "POST" or not request.user.is_authenticated:
            return
        key = _key_of(request)
        if key is not None:
            self._idempotency_row = _claim(user=request.user, key=key, digest=request_hash(request))

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        row, self._idempotency_row = self._idempotency_row, None
        if row is None:
            return response
        if response.status_code >= 500:
            row.delete()  # not an answer to keep: the retry runs again
            return response
        if hasattr(response, "render"):
            response.render()
        row.status = response.status_code
        row.content_type = response.get("Content-Type", "")
        row.body = response.content
        row.save(update_fields=["status", "content_type", "body"])
        return response
