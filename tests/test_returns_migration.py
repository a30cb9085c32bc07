"""Returns moved out of billing into their own app (issue 12, item 4) with
their tables and data: a return and its deadline made before the move are
found after it, through the same content type row (its id kept, renamed to
the returns app), and the SLA policies follow the model's new label. The
migrations run back and forward inside the test's transaction (they only
change Django's state and a few rows, no table), so nothing outlives it."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from returns.models import ReturnRequest
from servicedesk.deadlines import registry
from servicedesk.deadlines.models import Deadline, SlaPolicy
from tests.factories import CategoryFactory, UserFactory

BEFORE = [("billing", "0004_return_technician_and_one_proposal"), ("returns", None)]


def migrate(targets):
    """Migrate to `targets` and answer the apps as they stand then: what is
    applied (other apps at their latest, but for the migrations that needed
    what was unapplied, e.g. documents 0002 on billing 0005)."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state(list(loader.applied_migrations)).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def fresh_content_types():
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def test_a_return_and_its_deadline_made_before_the_move_are_found_after_it(postgres, db, fresh_content_types):
    # PostgreSQL: SQLite cannot alter a table (returns 0003) inside the test's transaction.
    from servicedesk.customers.models import Customer, CustomerProduct

    agent = UserFactory(username="agent", roles=["agent"])
    customer = Customer.objects.create(name="王芳")
    product = CustomerProduct.objects.create(customer=customer, category=CategoryFactory(slug="energy_saving_lamp"))
    returns_type = ContentType.objects.get(app_label="returns", model="returnrequest").pk

    # Before the move: billing owns the model, its content type and the policies.
    old = migrate(BEFORE)
    OldType = old.get_model("contenttypes", "ContentType")
    assert not OldType.objects.filter(app_label="returns").exists()
    billing_type = OldType.objects.get(app_label="billing", model="returnrequest")
    assert billing_type.pk == returns_type  # renamed back, not a new row
    assert set(old.get_model("deadlines", "SlaPolicy").objects.filter(code__startswith="return-")
               .values_list("subject", flat=True)) == {"billing.returnrequest"}
    now = timezone.now()
    old_return = old.get_model("billing", "ReturnRequest").objects.create(
        number="RT-BEFORE", requested_by="dealer", customer_id=customer.pk, product_id=product.pk, reason="整批发黑",
        requested_at=now, batch=True, batch_code="B1", quantity=40, created_by_id=agent.pk)
    policy = old.get_model("deadlines", "SlaPolicy").objects.get(code="return-batch-visit")
    old_deadline = old.get_model("deadlines", "Deadline").objects.create(
        content_type=billing_type, object_id=old_return.pk, kind="batch_visit", policy=policy, started_at=now,
        due_at=now + datetime.timedelta(days=2))

    # After: the same rows, reached through the returns app. The rows' deferred
    # foreign-key checks run now: PostgreSQL alters no table with them pending
    # (returns 0003 adds a column).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migrate(latest())
    ContentType.objects.clear_cache()
    deadline = Deadline.objects.get(pk=old_deadline.pk)
    assert deadline.content_type_id == returns_type
    assert (deadline.content_type.app_label, deadline.content_type.model) == ("returns", "returnrequest")
    assert isinstance(deadline.subject, ReturnRequest) and deadline.subject.number == "RT-BEFORE"
    assert list(Deadline.objects.filter(return_request__number="RT-BEFORE")) == [deadline]
    assert list(ReturnRequest.objects.get(number="RT-BEFORE").deadlines.all()) == [deadline]
    assert set(SlaPolicy.objects.filter(code__startswith="return-").values_list("subject", flat=True)) == {
        "returns.returnrequest"}
    assert set(SlaPolicy.objects.filter(code__startswith="factory-return-").values_list("subject", flat=True)) == {
        "returns.factoryreturn"}
    assert not ContentType.objects.filter(app_label="billing", model__in=["returnrequest", "factoryreturn"]).exists()
    # The sweep finds the subject through the registry under the new label.
    entry = registry.subject(deadline.content_type.model_class())
    assert entry is not None and entry.load([old_return.pk])[old_return.pk].number == "RT-BEFORE"


def test_the_tables_keep_their_names():
    from returns import models

    assert {m._meta.db_table for m in (models.ReturnRule, models.ReturnRequest, models.ReturnEvent,
                                       models.ReturnWindow, models.FactoryReturn, models.FactoryReturnItem,
                                       models.FactoryReturnEvent)} == {
        "billing_returnrule", "billing_returnrequest", "billing_returnevent", "billing_returnwindow",
        "billing_factoryreturn", "billing_factoryreturnitem", "billing_factoryreturnevent"}
