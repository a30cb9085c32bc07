from django.urls import path

from . import roster, views

urlpatterns = [
    path("dispatch/board/", views.board, name="dispatch-board"),
    path("dispatch/board/version/", views.board_version, name="dispatch-board-version"),
    path("dispatch/board/dispatch/", views.board_dispatch, name="dispatch-board-dispatch"),
    path("dispatch/orders/<int:pk>/suggestions/", views.suggestions, name="dispatch-suggestions"),
    path("dispatch/orders/<int:pk>/suggestions/first/", views.suggestions_dispatch_first,
         name="dispatch-suggestions-first"),
    path("dispatch/roster/", roster.roster, name="dispatch-roster"),
    path("dispatch/roster/<str:what>/", roster.roster_edit, name="dispatch-roster-edit"),
    path("dispatch/roster/<str:what>/<int:pk>/delete/", roster.roster_delete, name="dispatch-roster-delete"),
    path("dispatch/approvals/", roster.approvals, name="dispatch-approvals"),
    path("dispatch/approvals/<int:pk>/approve/", roster.approve, name="dispatch-approve"),
]
