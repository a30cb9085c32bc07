"""factory_boy factories for the domain. Users get their roles by name:
UserFactory(roles=["dispatcher"])."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from servicedesk.accounts.models import Partner, Region, Unit, User
from servicedesk.customers.models import Address, Customer, CustomerPhone, CustomerProduct, ProductCategory
from technicians.models import Certification, Technician

PASSWORD = "test-pass-123"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"区{n}")
    province = "北京市"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = Unit.Kind.STATION


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.Sequence(lambda n: f"Partner {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        if extracted:
            self.groups.set([Group.objects.get_or_create(name=r)[0] for r in extracted])


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("slug",)

    slug = "gas_water_heater"
    name = factory.LazyAttribute(lambda o: o.slug.replace("_", " ").title())


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n}")
    phone = factory.RelatedFactory(
        "tests.factories.CustomerPhoneFactory", factory_related_name="customer", primary=True
    )


class CustomerPhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerPhone

    customer = factory.SubFactory(CustomerFactory, phone=None)
    number = factory.Sequence(lambda n: f"139{n:08d}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    text = factory.Sequence(lambda n: f"北京市朝阳区建国路{n}号")


class CustomerProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerProduct

    customer = factory.SubFactory(CustomerFactory)
    category = factory.SubFactory(CategoryFactory)
    model = "M100"
    serial = factory.Sequence(lambda n: f"SN{n:06d}")
    purchase_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=100))


class TechnicianFactory(factory.django.DjangoModelFactory):
    """A technician certified (valid for a year) in `categories` (slugs)."""

    class Meta:
        model = Technician
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, roles=["technician"])
    active = True

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        for slug in extracted if extracted is not None else ["gas_water_heater"]:
            Certification.objects.get_or_create(
                technician=self,
                category=CategoryFactory(slug=slug),
                defaults={"valid_until": timezone.localdate() + datetime.timedelta(days=365)},
            )

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if extracted:
            self.regions.set(extracted)
