from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """The answer a POST with an `Idempotency-Key` got, replayed to a repeat of
    it by the same user for IDEMPOTENCY_HOURS (api-contract: Retries;
    servicedesk/core/idempotency.py). The row is written in the transaction of
    the request it answers: it exists exactly when that request's effects do."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the parsed body: a repeat must send the same request.
    request_hash = models.CharField(max_length=64)
    # 0 while the request that claimed the key is running (only its own transaction sees that).
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"
