from django.urls import path

from . import eight_d_views, list_exports, scorecard_views, views

urlpatterns = [
    path("measures/", views.measures_page, name="measures"),
    path("measures/list/", views.drilldown_page, name="measures-list"),
    path("measures/list/export/", views.drilldown_export, name="measures-list-export"),
    path("reports/monthly/", views.monthly_page, name="report-monthly"),
]

urlpatterns += [
    path("exports/work-orders/", list_exports.work_orders_export, name="export-work-orders"),
    path("exports/complaints/", list_exports.complaints_export, name="export-complaints"),
    path("exports/returns/", list_exports.returns_export, name="export-returns"),
]

urlpatterns += [
    path("measures/scorecards/", scorecard_views.scorecard_list, name="scorecard-list"),
    path("measures/scorecards/<int:pk>/", scorecard_views.scorecard_detail, name="scorecard-detail"),
]

urlpatterns += [
    path("complaints/<int:pk>/8d/", eight_d_views.eight_d_form, name="complaint-8d"),
    path("complaints/<int:pk>/8d/print/", eight_d_views.eight_d_print, name="complaint-8d-print"),
]
