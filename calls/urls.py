"""Pages of this app (server-rendered, htmx)."""
from django.urls import path

from . import callbacks_views, views

urlpatterns = [
    path("console/", views.console_page, name="console"),
    path("console/poll/", views.console_poll, name="console-poll"),
    path("console/open/", views.call_open, name="console-open"),
    path("console/calls/<int:pk>/", views.console_page, name="console-call"),
    path("console/calls/<int:pk>/file/<str:what>/", views.call_file, name="console-file"),
    path("console/calls/<int:pk>/hand-over/", views.call_hand_over, name="console-hand-over"),
    path("console/calls/<int:pk>/end/", views.call_end, name="console-end"),
    path("console/calls/<int:pk>/close/", views.call_close, name="console-close"),
    path("calls/<str:call_id>/", views.call_detail, name="call-detail"),
    path("wallboard/", views.wallboard, name="wallboard"),
    path("callbacks/", callbacks_views.callback_list, name="callback-list"),
    path("callbacks/panel/", callbacks_views.callback_panel, name="callback-panel"),
    path("callbacks/<int:pk>/take/", callbacks_views.callback_take, name="callback-take"),
    path("callbacks/<int:pk>/attempt/", callbacks_views.callback_attempt, name="callback-attempt"),
    path("callbacks/<int:pk>/call/", callbacks_views.callback_call, name="callback-call"),
]
