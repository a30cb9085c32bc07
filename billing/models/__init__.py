"""Billing: warranty, fees, payments, parts stock (fees.py) and returns,
factory returns (returns.py). Both modules' models are exported here."""
from .fees import *  # noqa: F401,F403
from .returns import *  # noqa: F401,F403
