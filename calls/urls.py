"""Pages of this app (server-rendered, htmx)."""
from django.urls import path

from . import views

urlpatterns = [
    path("console/", views.console_page, name="console"),
    path("console/poll/", views.console_poll, name="console-poll"),
    path("console/open/", views.call_open, name="console-open"),
    path("console/calls/<int:pk>/", views.console_page, name="console-call"),
    path("console/calls/<int:pk>/file/<str:what>/", views.call_file, name="console-file"),
    path("console/calls/<int:pk>/hand-over/", views.call_hand_over, name="console-hand-over"),
    path("console/calls/<int:pk>/end/", views.call_end, name="console-end"),
    path("calls/<str:call_id>/", views.call_detail, name="call-detail"),
    path("wallboard/", views.wallboard, name="wallboard"),
]
