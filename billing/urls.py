"""Pages of billing (server-rendered, htmx): warranty, fees, payments and stock (views/fees.py)."""
from billing.views.fees import urlpatterns  # noqa: F401 - this module's urlpatterns are fees'
