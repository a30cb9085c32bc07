"""Pages of returns and factory returns (server-rendered, htmx); the paths
and names they had in billing."""
from django.urls import path

from returns.views import factory, requests

urlpatterns = [
    path("returns/", requests.return_list, name="return-list"),
    path("returns/new/", requests.return_new, name="return-new"),
    path("returns/<int:pk>/", requests.return_detail, name="return-detail"),
    path("returns/<int:pk>/actions/<str:action>/", requests.return_action, name="return-action"),
    path("factory-returns/", factory.factory_return_list, name="factory-return-list"),
    path("factory-returns/new/", factory.factory_return_new, name="factory-return-new"),
    path("factory-returns/windows/", factory.return_windows, name="return-windows"),
    path("factory-returns/<int:pk>/", factory.factory_return_detail, name="factory-return-detail"),
    path("factory-returns/<int:pk>/print/", factory.factory_return_print, name="factory-return-print"),
    path("factory-returns/<int:pk>/actions/<str:action>/", factory.factory_return_action,
         name="factory-return-action"),
]
