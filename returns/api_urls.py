"""REST API of this app, mounted under /api/v1/ (paths and names as when it was part of billing)."""
from rest_framework.routers import DefaultRouter

from returns import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False  # /api/v1/ has its root view already (servicedesk.urls)
api.register(router)
urlpatterns = router.urls
