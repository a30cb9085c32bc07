from django.urls import path

from . import views

urlpatterns = [
    path("my-jobs/", views.my_jobs, name="my-jobs"),
    path("visit/<int:pk>/", views.visit, name="onsite-visit"),
    path("visit/<int:pk>/item/<slug:code>/", views.record_item, name="onsite-record-item"),
    path("visit/<int:pk>/rectification/", views.rectification, name="onsite-rectification"),
    path("visit/<int:pk>/<str:action>/", views.visit_action, name="onsite-action"),
]
