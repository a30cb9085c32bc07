"""Billing: warranty, fees, payments, parts stock (billing/models/fees.py and
friends) and returns, factory returns (billing/models/returns.py). Each module
adds its models to this package's namespace below."""
