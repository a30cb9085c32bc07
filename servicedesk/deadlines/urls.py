from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/deadlines/", views.deadline_list, name="deadline-list"),
]
