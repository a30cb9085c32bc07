"""Warranty terms and entitlement (warranty.py), the fee schedule
(schedule.py), charges and payments (quotes.py), parts stock (stock.py):
issue 6. Rules and their sources are in docs/billing.md. Every model is
exported here, as before the split (settings' enum names read them here)."""

from .quotes import *  # noqa: F403 - the package's models, one name list per module
from .quotes import QUOTE_ACTIONS, quote_actions_allowed_in  # noqa: F401 - read by billing.services.fees
from .quotes import __all__ as _quotes
from .schedule import *  # noqa: F403 - as above
from .schedule import MONEY  # noqa: F401 - the money fields' size, for billing.models.returns' prices too
from .schedule import __all__ as _schedule
from .stock import *  # noqa: F403 - as above
from .stock import __all__ as _stock
from .warranty import *  # noqa: F403 - as above
from .warranty import __all__ as _warranty

__all__ = [*_warranty, *_schedule, *_quotes, *_stock]
