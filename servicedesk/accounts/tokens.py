"""API tokens (issue 16, item 6): `POST /api/v1/auth/token/` answers
`{"token"}` (api-contract: Conventions), one token per user and name (one per
integration), a sliding expiry, void after a password change, and
`POST /api/v1/auth/logout/` deleting the token it is sent with (the views:
accounts/api.py; this module is imported by DRF's settings, so no views here).

Rotation without downtime: obtain a token under a new name (or add one in the
admin), switch the integration over, then log out with the old one."""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken

# A use refreshes `last_used_at` at most this often: one UPDATE a minute per
# token, not one per request (the expiry is counted in days).
TOUCH_EVERY = datetime.timedelta(seconds=60)


def password_stamp(password_hash: str) -> str:
    """What a token remembers of its user's password: a keyed hash of the
    password hash, so a new password (whatever the path: the page, the admin,
    `changepassword`) voids the tokens without anyone having to remember to."""
    return salted_hmac("servicedesk.accounts.ApiToken", password_hash, algorithm="sha256").hexdigest()


def token_ttl() -> datetime.timedelta | None:
    days = settings.SERVICEDESK["TOKEN_TTL_DAYS"]
    return datetime.timedelta(days=days) if days > 0 else None


def token_is_valid(token: ApiToken, *, now) -> bool:
    ttl = token_ttl()
    if ttl is not None and token.last_used_at + ttl <= now:
        return False
    return constant_time_compare(token.password_stamp, password_stamp(token.user.password))


def token_for(*, user, name: str) -> ApiToken:
    """The user's token of that name; a new key when there was none, or when
    the old one expired or outlived a password change."""
    now = timezone.now()
    with transaction.atomic():
        token, created = ApiToken.objects.select_for_update().get_or_create(user=user, name=name)
        if not created and not token_is_valid(token, now=now):
            token.delete()
            token = ApiToken.objects.create(user=user, name=name)
    return token


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` against ApiToken; each use extends the expiry."""

    model = ApiToken

    def authenticate_credentials(self, key):
        tokens = ApiToken.objects.select_related("user")
        if connection.vendor == "postgresql":
            # The roles read with the user, in the same query (issue 18): one query less per request.
            from django.contrib.auth.models import Group
            from django.contrib.postgres.expressions import ArraySubquery

            tokens = tokens.annotate(group_names=ArraySubquery(
                Group.objects.filter(user=OuterRef("user_id")).values("name")))
        try:
            token = tokens.get(key=key)
        except ApiToken.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        if hasattr(token, "group_names"):
            token.user.__dict__["roles"] = token.user.roles_from(token.group_names)  # User.roles, cached
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if not token_is_valid(token, now=now):
            token.delete()
            raise exceptions.AuthenticationFailed(
                _("The token has expired or was revoked: obtain a new one."), code="token_expired")
        if now - token.last_used_at >= TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token
