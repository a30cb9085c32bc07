"""Writes on returns and factory returns, by concept: returns (requests.py),
their assessment by the rules (assessment.py), the late repairs' exchange
proposals (exchange_proposals.py), returns to the factory (factory.py) and the
offices' return weeks (windows.py)."""

from .exchange_proposals import late_repairs, propose_exchange_for_late_repairs
from .factory import (
    FACTORY_SERVICES,
    OutsideWindow,
    ShipRefused,
    count_is_far,
    factory_return_approve,
    factory_return_arrive,
    factory_return_check,
    factory_return_close,
    factory_return_create,
    factory_return_decide,
    factory_return_ship,
    factory_return_sign,
    factory_return_special_approve,
)
from .requests import (
    RETURN_SERVICES,
    NoTechnicianAssigned,
    return_accept_exchange,
    return_assess,
    return_assign,
    return_close,
    return_create,
    return_fulfil,
    return_visit,
)

__all__ = [
    "FACTORY_SERVICES", "OutsideWindow", "ShipRefused", "count_is_far", "factory_return_approve",
    "factory_return_arrive", "factory_return_check", "factory_return_close", "factory_return_create",
    "factory_return_decide", "factory_return_ship", "factory_return_special_approve", "factory_return_sign",
    "late_repairs", "propose_exchange_for_late_repairs", "RETURN_SERVICES", "NoTechnicianAssigned",
    "return_accept_exchange", "return_assess", "return_assign", "return_close", "return_create", "return_fulfil",
    "return_visit",
]
