from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Region, Unit
from servicedesk.customers.models import ProductCategory


class Technician(models.Model):
    """A field technician (服务工程师): certified per appliance category
    (domain.md section 7, seeds/003), serving regions from a station."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="technician", verbose_name=_("user")
    )
    station = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="technicians", verbose_name=_("station")
    )
    regions = models.ManyToManyField(Region, blank=True, related_name="technicians", verbose_name=_("regions served"))
    grade = models.PositiveSmallIntegerField(_("grade"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")

    def __str__(self):
        return self.user.display_name


class Certification(models.Model):
    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="certifications", verbose_name=_("technician")
    )
    category = models.ForeignKey(
        ProductCategory, on_delete=models.PROTECT, related_name="certifications", verbose_name=_("category")
    )
    number = models.CharField(_("certificate number"), max_length=50, blank=True)
    valid_until = models.DateField(_("valid until"))

    class Meta:
        ordering = ["category__slug"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.UniqueConstraint(fields=["technician", "category"], name="certification_one_per_category")
        ]

    def __str__(self):
        return f"{self.category} ≤ {self.valid_until}"

    @property
    def is_valid(self) -> bool:
        return self.valid_until >= timezone.localdate()
