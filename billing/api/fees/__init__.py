"""REST API of warranty entitlement (warranty.py), the fee schedule
(schedule.py), a work order's charges and payments (charges.py) and parts
stock (stock.py): docs/billing.md, docs/api.md. Thin: validate the input,
call one service in billing.services.fees, render. The names other modules
use are exported here, as before the split."""

from django.urls import path

from .charges import (  # noqa: F401 - the pages (billing.views.fees) reuse the inputs
    AcceptInput,
    PaymentInput,
    PaymentViewSet,
    RefundInput,
    WorkOrderPaymentsView,
    WorkOrderQuoteAcceptView,
    WorkOrderQuoteChargeView,
    WorkOrderQuoteView,
    payments_visible_to,
)
from .schedule import FeeScheduleViewSet
from .stock import StockItemViewSet, StockMovementInput, StockMovementView  # noqa: F401 - as above
from .warranty import (  # noqa: F401 - tickets' serializer shows the entitlement; the create form previews it
    EntitlementPreviewInput,
    EntitlementPreviewView,
    EntitlementSerializer,
)


def register(router):
    router.register("billing/fee-schedules", FeeScheduleViewSet, basename="fee-schedule")
    router.register("billing/payments", PaymentViewSet, basename="payment")
    router.register("stock/items", StockItemViewSet, basename="stock-item")


urlpatterns = [
    path("billing/entitlement-preview/", EntitlementPreviewView.as_view(), name="api-entitlement-preview"),
    path("billing/work-orders/<int:order_id>/quote/", WorkOrderQuoteView.as_view(), name="api-quote"),
    path("billing/work-orders/<int:order_id>/quote/accept/", WorkOrderQuoteAcceptView.as_view(),
         name="api-quote-accept"),
    path("billing/work-orders/<int:order_id>/quote/charge/", WorkOrderQuoteChargeView.as_view(),
         name="api-quote-charge"),
    path("billing/work-orders/<int:order_id>/payments/", WorkOrderPaymentsView.as_view(), name="api-payments"),
    path("stock/movements/", StockMovementView.as_view(), name="api-stock-movements"),
]
