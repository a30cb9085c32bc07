from django.urls import path

from . import views

urlpatterns = [
    path("measures/", views.measures_page, name="measures"),
    path("measures/list/", views.drilldown_page, name="measures-list"),
    path("measures/list/export/", views.drilldown_export, name="measures-list-export"),
    path("reports/monthly/", views.monthly_page, name="report-monthly"),
]
