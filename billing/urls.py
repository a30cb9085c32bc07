"""Pages of this app (server-rendered, htmx)."""
from django.urls import path  # noqa: F401

urlpatterns = []
