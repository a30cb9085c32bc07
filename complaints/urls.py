from django.urls import path

from .views import actions, case_studies, filing, findings, lists, sheet

urlpatterns = [
    path("complaints/", lists.complaint_list, name="complaint-list"),
    path("complaints/new/", filing.complaint_new, name="complaint-new"),
    path("complaints/queue/", lists.complaint_queue, name="complaint-queue"),
    path("complaints/overview/", lists.complaint_overview, name="complaint-overview"),
    path("complaints/case-studies/", case_studies.case_study_list, name="case-study-list"),
    path("complaints/case-studies/<int:pk>/", case_studies.case_study_detail, name="case-study-detail"),
    path("complaints/findings/", findings.finding_list, name="finding-list"),
    path("complaints/findings/<int:pk>/decide/", findings.finding_decide, name="finding-decide"),
    path("complaints/<int:pk>/", sheet.complaint_detail, name="complaint-detail"),
    path("complaints/<int:pk>/print/", sheet.complaint_print, name="complaint-print"),
    path("complaints/<int:pk>/actions/<str:action>/", actions.complaint_action, name="complaint-action"),
]
