"""Returns and factory returns (issue 6, items 6 and 7; api-contract.md,
Returns; domain.md section 5, seeds/004), by concept: the assessment rules
(rules.py), returns (requests.py), the provinces' return weeks (windows.py)
and returns to the factory (factory.py). Their tables keep billing's names:
the models moved out of billing with their data (migrations 0001, 0002)."""

from .factory import (
    FACTORY_RETURN_ACTIONS,
    FactoryReturn,
    FactoryReturnEvent,
    FactoryReturnItem,
    factory_return_actions_allowed,
)
from .requests import (
    LATE_REPAIR_REASON_EN,
    LATE_REPAIR_REASON_ZH,
    RETURN_ACTIONS,
    ReturnEvent,
    ReturnRequest,
    return_actions_allowed,
)
from .rules import Decision, RequestedBy, ReturnRule, add_months, bilingual, in_term
from .windows import ReturnWindow, normalise_place, window_days

__all__ = [
    "Decision", "RequestedBy", "ReturnRule", "ReturnRequest", "ReturnEvent", "RETURN_ACTIONS",
    "ReturnWindow", "FactoryReturn", "FactoryReturnItem", "FactoryReturnEvent", "FACTORY_RETURN_ACTIONS",
    "add_months", "in_term", "window_days", "normalise_place", "return_actions_allowed",
    "factory_return_actions_allowed", "bilingual", "LATE_REPAIR_REASON_EN", "LATE_REPAIR_REASON_ZH",
]
