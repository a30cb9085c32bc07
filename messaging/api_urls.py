from django.urls import path

from .api import WorkOrderMessagesView

urlpatterns = [
    path("work-orders/<int:pk>/messages/", WorkOrderMessagesView.as_view(), name="work-order-messages"),
]
