"""REST API of this app, mounted under /api/v1/."""
from rest_framework.routers import DefaultRouter

from billing.api import fees as fees_api

router = DefaultRouter(trailing_slash=True)
fees_api.register(router)
urlpatterns = router.urls + fees_api.urlpatterns
