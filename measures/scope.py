"""What a measure is taken over: a period of local dates (both inclusive,
in the organisation's zone, Asia/Shanghai by default) and the filters
station, region, category and technician (api-contract.md, Measures).

Parsing is strict: a missing or malformed date, or `from` after `to`, is a
400 naming the field (contract)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.roles import Role
from servicedesk.core.errors import ValidationFailed

MEASURE_ROLES = (Role.SUPERVISOR, Role.MANAGER)
FILTERS = ("station", "region", "category", "technician")
# A period longer than this is refused: the daily trend and the lists stay bounded.
MAX_DAYS = 400


def user_may_see_measures(user) -> bool:
    """Contract: roles supervisor and manager; others 403."""
    return bool(user and user.is_authenticated and user.has_role(*MEASURE_ROLES))


@dataclass(frozen=True)
class Scope:
    first: datetime.date
    last: datetime.date
    # station: Unit id; region: Region id; category: ProductCategory slug; technician: Technician id.
    filters: dict = field(default_factory=dict)
    now: datetime.datetime | None = None

    @property
    def start(self) -> datetime.datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime.datetime:
        """Exclusive: midnight after the last day."""
        return local_midnight(self.last + datetime.timedelta(days=1))

    @property
    def moment(self) -> datetime.datetime:
        return self.now or timezone.now()

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Scope:
        """The period of the same length just before (the page's comparison)."""
        last = self.first - datetime.timedelta(days=1)
        return replace(self, first=last - datetime.timedelta(days=self.days - 1), last=last)

    def with_filters(self, **filters) -> Scope:
        merged = {**self.filters, **{k: v for k, v in filters.items() if v not in (None, "")}}
        return replace(self, filters=merged)

    def query(self) -> dict:
        """The query string that rebuilds this scope (links to the lists)."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), **self.filters}


def local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def parse_date(value, name: str) -> datetime.date:
    if not value:
        raise ValidationFailed(_("This field is required."), field=name)
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("Enter a date as YYYY-MM-DD."), field=name) from None


def parse_filters(params) -> dict:
    filters = {}
    for name in FILTERS:
        value = (params.get(name) or "").strip()
        if not value:
            continue
        if name != "category" and not value.isdigit():
            raise ValidationFailed(_("Enter a whole number (an id)."), field=name)
        filters[name] = value if name == "category" else int(value)
    return filters


def scope_from(params) -> Scope:
    """`from` and `to` (required), and the optional filters."""
    first, last = parse_date(params.get("from"), "from"), parse_date(params.get("to"), "to")
    if first > last:
        raise ValidationFailed(_("“from” must not be after “to”."), field="from")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(_("The period may cover at most %(n)d days.") % {"n": MAX_DAYS}, field="to")
    return Scope(first=first, last=last, filters=parse_filters(params))


def month_scope(value, params=None) -> Scope:
    """`month=YYYY-MM`: the month's first to last day."""
    try:
        year, month = (int(part) for part in str(value or "").split("-"))
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter a month as YYYY-MM."), field="month") from None
    last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return Scope(first=first, last=last, filters=parse_filters(params or {}))
