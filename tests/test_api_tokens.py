"""API tokens (issue 16, item 6): a sliding expiry, void after a password
change, a logout that deletes the token, several named tokens per user
managed in the admin, rotation without downtime; `POST /api/v1/auth/token/`
still answers `200 {"token"}` (api-contract: Conventions)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from servicedesk.accounts.models import ApiToken
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def obtain(username="partner", password=PASSWORD, **extra):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password, **extra},
                            format="json")


def with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def me(key):
    return with_token(key).get("/api/v1/me/")


def test_a_token_works_until_it_has_not_been_used_for_the_ttl(partner_user, settings):
    settings.SERVICEDESK = {**settings.SERVICEDESK, "TOKEN_TTL_DAYS": 30}
    key = obtain().json()["token"]
    ApiToken.objects.filter(key=key).update(last_used_at=timezone.now() - datetime.timedelta(days=30, seconds=1))

    r = me(key)

    assert r.status_code == 401
    assert r.json()["code"] == "token_expired"
    assert not ApiToken.objects.filter(key=key).exists()


def test_each_use_extends_the_expiry(partner_user, settings):
    settings.SERVICEDESK = {**settings.SERVICEDESK, "TOKEN_TTL_DAYS": 30}
    key = obtain().json()["token"]
    almost = timezone.now() - datetime.timedelta(days=29, hours=23)
    ApiToken.objects.filter(key=key).update(last_used_at=almost)

    assert me(key).status_code == 200

    used = ApiToken.objects.get(key=key).last_used_at
    assert timezone.now() - used < datetime.timedelta(seconds=5)


def test_uses_within_a_minute_write_nothing(partner_user):
    from django.test.utils import CaptureQueriesContext

    key = obtain().json()["token"]
    client = with_token(key)

    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/api/v1/me/").status_code == 200

    assert [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")] == []


def test_a_ttl_of_zero_never_expires(partner_user, settings):
    settings.SERVICEDESK = {**settings.SERVICEDESK, "TOKEN_TTL_DAYS": 0}
    key = obtain().json()["token"]
    ApiToken.objects.filter(key=key).update(last_used_at=timezone.now() - datetime.timedelta(days=3650))

    assert me(key).status_code == 200


def test_an_expired_token_is_replaced_by_the_token_endpoint(partner_user):
    old = obtain().json()["token"]
    ApiToken.objects.filter(key=old).update(last_used_at=timezone.now() - datetime.timedelta(days=365))

    new = obtain().json()["token"]

    assert new != old
    assert me(new).status_code == 200
    assert list(ApiToken.objects.filter(user=partner_user).values_list("key", flat=True)) == [new]


def test_a_password_change_revokes_every_token_of_the_user(partner_user, agent):
    default = obtain().json()["token"]
    erp = obtain(name="erp").json()["token"]
    other = obtain("agent").json()["token"]

    partner_user.set_password("a-new-password-456")
    partner_user.save()

    assert [me(default).status_code, me(erp).status_code, me(other).status_code] == [401, 401, 200]
    assert obtain().status_code == 400  # the old password is gone too
    fresh = obtain(password="a-new-password-456").json()["token"]
    assert fresh not in (default, erp)
    assert me(fresh).status_code == 200


def test_a_password_change_through_the_admin_revokes_the_token(admin_client, partner_user):
    key = obtain().json()["token"]

    r = admin_client.post(f"/admin/accounts/user/{partner_user.pk}/password/",
                          {"password1": "Another-pass-789", "password2": "Another-pass-789", "usable_password": "true"})

    assert r.status_code == 302
    assert me(key).status_code == 401


def test_logout_deletes_the_token_it_is_sent_with_and_only_that_one(partner_user):
    default = obtain().json()["token"]
    erp = obtain(name="erp").json()["token"]

    r = with_token(default).post("/api/v1/auth/logout/")

    assert r.status_code == 204
    assert me(default).status_code == 401
    assert me(erp).status_code == 200
    assert list(ApiToken.objects.filter(user=partner_user).values_list("name", flat=True)) == ["erp"]


def test_logout_without_a_token_is_401_and_deletes_nothing(partner_user):
    obtain()

    r = APIClient().post("/api/v1/auth/logout/")

    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"
    assert ApiToken.objects.count() == 1


def test_named_tokens_one_per_integration(partner_user):
    erp = obtain(name="erp")
    shop = obtain(name="shop")
    erp_again = obtain(name="erp")

    assert (erp.status_code, shop.status_code) == (200, 200)
    assert set(erp.json()) == {"token"}
    assert erp.json()["token"] != shop.json()["token"]
    assert erp_again.json() == erp.json()
    assert sorted(ApiToken.objects.filter(user=partner_user).values_list("name", flat=True)) == ["erp", "shop"]


def test_a_token_name_longer_than_100_characters_is_400(partner_user):
    r = obtain(name="x" * 101)

    assert r.status_code == 400
    assert list(r.json()) == ["name"]
    assert ApiToken.objects.count() == 0


def test_rotation_without_downtime(partner_user):
    """The integration gets its next token while the old one still works, switches, then revokes the old."""
    old = obtain(name="erp-2026").json()["token"]
    new = obtain(name="erp-2027").json()["token"]

    assert (me(old).status_code, me(new).status_code) == (200, 200)
    assert with_token(old).post("/api/v1/auth/logout/").status_code == 204
    assert (me(old).status_code, me(new).status_code) == (401, 200)


def test_tokens_are_managed_in_the_admin(admin_client, partner_user):
    r = admin_client.post("/admin/accounts/apitoken/add/", {"user": partner_user.pk, "name": "erp"})

    assert r.status_code == 302, r.content.decode()[:2000]
    token = ApiToken.objects.get(user=partner_user, name="erp")
    assert len(token.key) == 40
    assert me(token.key).status_code == 200
    page = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert page.status_code == 200 and token.key in page.content.decode()
    listing = admin_client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200 and "erp" in listing.content.decode()

    r = admin_client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})

    assert r.status_code == 302
    assert me(token.key).status_code == 401


def test_the_same_name_twice_for_one_user_is_refused_in_the_admin(admin_client, partner_user):
    ApiToken.objects.create(user=partner_user, name="erp")

    r = admin_client.post("/admin/accounts/apitoken/add/", {"user": partner_user.pk, "name": "erp"})

    assert r.status_code == 200  # the form again, with the error
    assert ApiToken.objects.filter(user=partner_user).count() == 1


def test_an_inactive_users_token_is_401(partner_user):
    key = obtain().json()["token"]
    partner_user.is_active = False
    partner_user.save()

    assert me(key).status_code == 401


def test_the_migration_carries_rest_framework_authtoken_keys_over(partner_user):
    """Existing integrations keep their keys: the old table's rows become `default` tokens."""
    from importlib import import_module

    from django.apps import apps as global_apps

    migration = import_module("servicedesk.accounts.migrations.0007_apitoken")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint NOT NULL,"
                       " created timestamp with time zone NOT NULL)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)",
                       ["0123456789abcdef0123456789abcdef01234567", partner_user.pk, timezone.now()])
    try:
        migration.copy_authtoken_keys(global_apps, connection.schema_editor())
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            left = cursor.fetchone()[0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")

    assert left == 0
    assert me("0123456789abcdef0123456789abcdef01234567").status_code == 200
    assert ApiToken.objects.get(user=partner_user).name == "default"
