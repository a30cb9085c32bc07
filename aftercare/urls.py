from django.urls import path

from . import views
from .customer_page import CustomerPage

urlpatterns = [
    path("c/<str:token>/", CustomerPage.as_view(), name="customer-page"),
    path("survey-calls/", views.survey_calls, name="aftercare-survey-calls"),
    path("survey-calls/<int:pk>/", views.survey_call_record, name="aftercare-survey-call-record"),
    path("survey-follow-ups/", views.follow_ups, name="aftercare-follow-ups"),
    path("survey-follow-ups/<int:pk>/<str:action>/", views.follow_up_action, name="aftercare-follow-up-action"),
    path("customer-requests/", views.customer_requests, name="aftercare-customer-requests"),
    path("customer-requests/<int:pk>/handled/", views.customer_request_handled,
         name="aftercare-customer-request-handled"),
]
