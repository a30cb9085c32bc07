"""Parts used on a work order (issue 14, item 6): the part lines of its
accepted quote and the parts the technician adds on site leave the servicing
station's stock when the work is resolved (resolve, or return after a depot
repair): one ledger row per part (billing.services.fees.stock_move), never
two (PartUse.movement is one-to-one, a quote line is used once). Short stock
refuses the action with a 409 `stock_short` naming the parts; nothing is
saved."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import PartPrice, Quote
from billing.models.fees import StockItem, StockMovement
from billing.selectors.fees import schedule_in_force
from billing.services.fees import stock_move
from servicedesk.core.errors import ApplicationError, ValidationFailed

from .models import PartUse
from .services import require_assigned, visible_order

QUOTE_USED_STATES = (Quote.State.ACCEPTED, Quote.State.CHARGED, Quote.State.PAID)
ADD_STATES = ("on_site", "taken_back")
MAX_QUANTITY = 100


class StockShort(ApplicationError):
    """409: the station does not hold the parts the work used."""

    status = 409
    code = "stock_short"

    def __init__(self, short: list[dict]):
        names = ", ".join(f"{s['part_code']} ({s['needed']} / {s['in_stock']})" for s in short)
        super().__init__(_("Not enough in the station's stock (needed / in stock): %(parts)s.") % {"parts": names})
        self.short = short

    def as_payload(self):
        return {"detail": str(self.message), "short": self.short}


def part_add(*, order_id, by, part_code, quantity) -> PartUse:
    """A part used on site, by the technician sent, while on site or with the product taken back."""
    part_code = (part_code or "").strip()
    if not part_code:
        raise ValidationFailed(_("This field may not be blank."), field="part_code")
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(_("A whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY}, field="quantity")
    with transaction.atomic():
        order = visible_order(by, order_id, lock=True)
        require_assigned(order, by, action="parts", states=ADD_STATES)
        item = StockItem.objects.filter(unit_id=order.technician.station_id, part_code=part_code).first()
        if item is None:
            raise ValidationFailed(_("Part “%(code)s” is not stocked at your station.") % {"code": part_code},
                                   field="part_code")
        schedule = schedule_in_force()
        price = (PartPrice.objects.filter(schedule=schedule, code=part_code).values_list("price", flat=True).first()
                 if schedule else None)
        return PartUse.objects.create(
            order=order, source=PartUse.Source.ON_SITE, part_code=part_code, name=item.name, quantity=quantity,
            unit_price=price, amount=price * quantity if price is not None else None, added_by=by,
            added_at=timezone.now())


def _quote_lines(order):
    quote = Quote.objects.filter(order=order, state__in=QUOTE_USED_STATES).first()
    if quote is None:
        return []
    return list(quote.lines.filter(kind="part"))


def _to_consume(order) -> list[tuple[str, int]]:
    """(part code, quantity) of what has not left the stock yet."""
    recorded = set(PartUse.objects.filter(order=order, quote_line__isnull=False).values_list("quote_line", flat=True))
    wanted = [(line.code, line.quantity) for line in _quote_lines(order) if line.pk not in recorded]
    wanted += list(PartUse.objects.filter(order=order, movement__isnull=True).values_list("part_code", "quantity"))
    return wanted


def require_stock(order, extra, by) -> None:
    """Guard of resolve and return: the station holds every part used (409 stock_short)."""
    needed: dict[str, int] = defaultdict(int)
    for code, quantity in _to_consume(order):
        needed[code] += quantity
    if not needed:
        return
    station = order.technician.station_id if order.technician else None
    held = dict(StockItem.objects.select_for_update().filter(unit_id=station, part_code__in=needed)
                .values_list("part_code", "quantity")) if station else {}
    short = [{"part_code": code, "needed": n, "in_stock": held.get(code, 0)}
             for code, n in sorted(needed.items()) if held.get(code, 0) < n]
    if short:
        raise StockShort(short)


def parts_consume(order, at, by, extra) -> None:
    """Effect of resolve and return: one consumption movement per part used, once."""
    for line in _quote_lines(order):
        if not PartUse.objects.filter(quote_line=line).exists():
            PartUse.objects.create(order=order, source=PartUse.Source.QUOTE, quote_line=line, part_code=line.code,
                                   name=line.name, quantity=line.quantity, unit_price=line.unit_price,
                                   amount=Decimal("0") if line.free else line.amount, added_by=by, added_at=at)
    for use in PartUse.objects.select_for_update().filter(order=order, movement__isnull=True):
        movement = stock_move(unit_id=order.technician.station_id, part_code=use.part_code,
                              kind=StockMovement.Kind.CONSUMPTION, quantity=use.quantity, by=by, order_id=order.pk,
                              note=_("Used on %(number)s") % {"number": order.number})
        use.movement = movement
        use.save(update_fields=["movement"])
