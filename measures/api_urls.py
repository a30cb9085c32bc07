from django.urls import path

from .api import MeasuresView, MonthlyReportView

urlpatterns = [
    path("measures/", MeasuresView.as_view(), name="api-measures"),
    path("reports/monthly/", MonthlyReportView.as_view(), name="api-report-monthly"),
]
