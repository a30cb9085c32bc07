from django.urls import path

from .api import WorkOrderSurveyView

urlpatterns = [
    path("work-orders/<int:pk>/survey/", WorkOrderSurveyView.as_view(), name="api-work-order-survey"),
]
