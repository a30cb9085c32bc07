"""REST API of this app, mounted under /api/v1/."""
from django.urls import path

from . import api

urlpatterns = [
    path("work-orders/<int:pk>/checklist/", api.ChecklistView.as_view(), name="api-checklist"),
    path("work-orders/<int:pk>/rectification/", api.RectificationView.as_view(), name="api-rectification"),
]
