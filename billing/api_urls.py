"""REST API of this app, mounted under /api/v1/."""
from rest_framework.routers import DefaultRouter

router = DefaultRouter(trailing_slash=True)
from billing.api import fees as fees_api  # noqa: E402
from billing.api import returns as returns_api  # noqa: E402

fees_api.register(router)
returns_api.register(router)
urlpatterns = router.urls + fees_api.urlpatterns
