"""REST API of this app, mounted under /api/v1/ (paths and names as when it was part of billing)."""
from rest_framework.routers import DefaultRouter

from returns import api

router = DefaultRouter(trailing_slash=True)
api.register(router)
urlpatterns = router.urls
