from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from complaints.api import ComplaintViewSet, FindingViewSet
from servicedesk.accounts.api import LogoutView, MeView, TokenView, UnitViewSet
from servicedesk.webhooks.api import WebhookViewSet
from technicians.api import TechnicianViewSet
from tickets.api import WorkOrderViewSet

router = DefaultRouter()
router.register("work-orders", WorkOrderViewSet, basename="work-order")
router.register("technicians", TechnicianViewSet, basename="technician")
router.register("units", UnitViewSet, basename="unit")
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("findings", FindingViewSet, basename="finding")
router.register("webhooks", WebhookViewSet, basename="webhook")


class RedocView(SpectacularRedocView):
    """ReDoc (served from the product, drf-spectacular-sidecar) writes its
    styles into the page as it renders and parses in a blob worker: the one
    page whose Content-Security-Policy allows inline styles (no inline
    script: the page has none)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.csp_sources = {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}
        return response


def healthz(request):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


handler404 = "servicedesk.core.api.not_found"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("api/v1/me/", MeView.as_view(), name="api-me"),
    path("api/v1/", include("messaging.api_urls")),
    path("api/v1/", include("aftercare.api_urls")),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include("calls.api_urls")),
    path("api/v1/", include("billing.api_urls")),
    path("api/v1/", include("returns.api_urls")),
    path("api/v1/", include("dispatch.api_urls")),
    path("api/v1/", include("documents.api_urls")),
    path("api/v1/", include("measures.api_urls")),
    path("api/v1/", include("onsite.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("servicedesk.deadlines.urls")),
    path("", include("measures.urls")),
    path("", include("servicedesk.notifications.urls")),
    path("", include("calls.urls")),
    path("", include("billing.urls")),
    path("", include("returns.urls")),
    path("", include("documents.urls")),
    path("", include("complaints.urls")),
    path("", include("dispatch.urls")),
    path("", include("onsite.urls")),  # before tickets: "my-jobs" is the phone page of onsite
    path("", include("aftercare.urls")),
    path("", include("tickets.urls")),
]
