from django.urls import path

from . import views

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint-list"),
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/queue/", views.complaint_queue, name="complaint-queue"),
    path("complaints/overview/", views.complaint_overview, name="complaint-overview"),
    path("complaints/case-studies/", views.case_study_list, name="case-study-list"),
    path("complaints/case-studies/<int:pk>/", views.case_study_detail, name="case-study-detail"),
    path("complaints/findings/", views.finding_list, name="finding-list"),
    path("complaints/findings/<int:pk>/decide/", views.finding_decide, name="finding-decide"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint-detail"),
    path("complaints/<int:pk>/print/", views.complaint_print, name="complaint-print"),
    path("complaints/<int:pk>/actions/<str:action>/", views.complaint_action, name="complaint-action"),
]
