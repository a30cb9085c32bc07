"""REST API of this app, mounted under /api/v1/."""
from django.urls import path

from .api import ApproveView, ScheduleView, SuggestionsView

urlpatterns = [
    path("schedule/", ScheduleView.as_view(), name="api-schedule"),
    path("work-orders/<int:pk>/approve/", ApproveView.as_view(), name="api-work-order-approve"),
    path("work-orders/<int:pk>/suggestions/", SuggestionsView.as_view(), name="api-work-order-suggestions"),
]
