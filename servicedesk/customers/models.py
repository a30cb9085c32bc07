from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Region


class ProductCategory(models.Model):
    """Referred to by slug everywhere in the API (contract: Demo data)."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self):
        return self.name


class Customer(models.Model):
    """A customer file kept from the first purchase (seeds/004)."""

    name = models.CharField(_("name"), max_length=100)
    vip = models.BooleanField(_("VIP"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return self.name


class CustomerPhone(models.Model):
    """One person, several phones; each normalised number belongs to one customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones", verbose_name=_("customer"))
    number = models.CharField(_("number"), max_length=20, unique=True)
    primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-primary", "id"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self):
        return self.number


class Address(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    text = models.CharField(_("address"), max_length=255)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [models.UniqueConstraint(fields=["customer", "text"], name="address_unique_per_customer")]

    def __str__(self):
        return self.text


class CustomerProduct(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="products", verbose_name=_("customer")
    )
    category = models.ForeignKey(
        ProductCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    model = models.CharField(_("model"), max_length=100, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    manufactured_on = models.DateField(_("manufactured on"), null=True, blank=True)
    proof_of_purchase = models.CharField(
        _("proof of purchase"), max_length=100, blank=True, help_text=_("Invoice or receipt number; empty if none.")
    )

    class Meta:
        ordering = ["-purchase_date", "-id"]
        verbose_name = _("customer product")
        verbose_name_plural = _("customer products")
        indexes = [models.Index(fields=["serial"], name="customer_product_serial")]

    def __str__(self):
        return " ".join(p for p in (str(self.category), self.model, self.serial) if p)
