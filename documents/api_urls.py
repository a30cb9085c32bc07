"""REST API of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("work-orders/<int:order_id>/photos/", api.WorkOrderPhotosView.as_view(), name="api-work-order-photos"),
    path("work-orders/<int:order_id>/photos/<int:pk>/image/", api.PhotoFileView.as_view(),
         name="api-work-order-photo-file"),
    path("work-orders/<int:order_id>/documents/", api.WorkOrderDocumentsView.as_view(),
         name="api-work-order-documents"),
    path("work-orders/<int:order_id>/parts/", api.WorkOrderPartsView.as_view(), name="api-work-order-parts"),
]
