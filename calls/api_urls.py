"""REST API of this app, mounted under /api/v1/."""
from rest_framework.routers import DefaultRouter

from .api import CallbackViewSet, CallViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("calls", CallViewSet, basename="call")
router.register("callbacks", CallbackViewSet, basename="callback")
urlpatterns = router.urls
