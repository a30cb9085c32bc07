"""The week of the month each province returns to the factory
(`ReturnWindow`, domain.md section 5, seeds/004)."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PLACE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")


def normalise_place(name: str) -> str:
    """北京市 / 北京 / Beijing → 北京 (the suffixes 省, 市, 自治区 … dropped, case ignored)."""
    name = (name or "").strip()
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name.lower()


def window_days(month: datetime.date, week: int) -> tuple[datetime.date, datetime.date]:
    """Week N of a month is its days 7(N-1)+1 … 7N (week 1: the 1st to the
    7th), whatever the weekday."""
    first = month.replace(day=1) + datetime.timedelta(days=7 * (week - 1))
    return first, first + datetime.timedelta(days=6)


class ReturnWindow(models.Model):
    """The week of the month a province (or, as the document lists Fuzhou,
    Xiamen and Quanzhou, a city) returns to the factory (domain.md section 5,
    seeds/004)."""

    place = models.CharField(
        _("province or city"),
        max_length=50,
        unique=True,
        help_text=_("Chinese name without 省/市 (北京, 福州); matched against the office's province, then its city."),
    )
    place_en = models.CharField(_("name in English"), max_length=50, blank=True)
    week = models.PositiveSmallIntegerField(_("week of the month"), help_text=_("Week N is days 7(N-1)+1 to 7N."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        db_table = "billing_returnwindow"  # the table kept from billing (moved with its data)
        ordering = ["week", "place"]
        verbose_name = _("return-to-factory window")
        verbose_name_plural = _("return-to-factory windows")
        constraints = [models.CheckConstraint(condition=Q(week__gte=1, week__lte=4), name="return_window_week_1_to_4")]

    def __str__(self):
        return f"{self.place} ({self.week})"

    @classmethod
    def for_unit(cls, unit):
        """The window of an office: by its region's province, else its city
        (the region's name), else the parent unit's."""
        seen = set()
        while unit is not None and unit.pk not in seen:
            seen.add(unit.pk)
            region = unit.region
            if region is not None:
                names = [normalise_place(region.province), normalise_place(region.name)]
                windows = {normalise_place(w.place): w for w in cls.objects.all()}
                windows.update({normalise_place(w.place_en): w for w in windows.copy().values() if w.place_en})
                for name in names:
                    if name in windows:
                        return windows[name]
            unit = unit.parent
        return None
