from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class Region(models.Model):
    """A region served by stations and technicians, grouped by province
    (the return-to-factory schedule of domain.md section 5 is by province)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=50, db_index=True)

    class Meta:
        ordering = ["province", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Unit(models.Model):
    """The service network (HQ, branch, service station: seeds/001) and the
    departments and handling units complaints are forwarded to (seeds/000)."""

    class Kind(models.TextChoices):
        HEADQUARTERS = "headquarters", _("Headquarters")
        BRANCH = "branch", _("Branch")
        STATION = "station", _("Service station")
        CALL_CENTER = "call_center", _("Call center")
        DEPARTMENT = "department", _("Department")
        HANDLING_UNIT = "handling_unit", _("Handling unit")
        OFFICE = "office", _("Regional office")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="units", verbose_name=_("region")
    )
    class Responsibility(models.TextChoices):
        # seeds/004: assign responsibility by type of complaint.
        QUALITY = "quality", _("Product quality")
        LOGISTICS = "logistics", _("Transport")
        MANAGEMENT = "management", _("Contract disputes")
        CUSTOMER_SERVICE = "customer_service", _("Customer service")

    responsibility = models.CharField(
        _("responsible for"), max_length=20, choices=Responsibility.choices, blank=True,
        help_text=_("Which complaints this unit is suggested for when they are forwarded."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return self.name


class Partner(models.Model):
    """An API client organisation: a manufacturer, dealer or shop that pushes
    orders (seeds/002: installation orders issued by sales)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # contract: approved installations; seeds/002 (委派安装单 经由分管总监签字后下达).
    installations_need_approval = models.BooleanField(
        _("installations need approval"), default=False,
        help_text=_("Installation orders from this partner wait for a director's approval before dispatch."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.name


class User(AbstractUser):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("unit")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("partner")
    )
    staff_number = models.CharField(_("staff number"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The language of the e-mail this user receives (the pages follow the browser or the switch).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset:
        names = {g.name for g in self.groups.all()}
        if self.is_superuser:
            names.add(Role.ADMINISTRATOR)
        return frozenset(names & set(Role.values))

    def has_role(self, *roles) -> bool:
        return bool(self.roles & set(roles))

    @property
    def display_name(self):
        return self.get_full_name() or self.username


def new_token_key():
    import secrets

    return secrets.token_hex(20)  # 40 characters, the shape of the keys of rest_framework.authtoken


class ApiToken(models.Model):
    """A user's API token (`Authorization: Token <key>`), one per integration,
    told apart by `name`. It expires TOKEN_TTL_DAYS after its last use (each
    use extends it) and is void once the user's password changes
    (`password_stamp`; servicedesk/accounts/tokens.py)."""

    key = models.CharField(_("key"), max_length=40, unique=True, default=new_token_key, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, default="default",
                            help_text=_("Which integration uses it, e.g. “erp”. One token per name and user."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), default=timezone.now, editable=False)
    # A keyed hash of the user's password hash when the token was made: a new password voids it.
    password_stamp = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["user", "name"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="api_token_name_once_per_user")]

    def __str__(self):
        return f"{self.user} · {self.name}"

    def save(self, *args, **kwargs):
        if not self.password_stamp:
            from .tokens import password_stamp

            self.password_stamp = password_stamp(self.user.password)
        super().save(*args, **kwargs)
