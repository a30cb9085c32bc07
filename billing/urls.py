"""Pages of billing (server-rendered, htmx): fees_urlpatterns from views/fees.py, returns_urlpatterns from views/returns.py."""
urlpatterns = []

from billing.views.fees import urlpatterns as fees_urlpatterns  # noqa: E402

from billing.views.returns import urlpatterns as returns_urlpatterns  # noqa: E402

urlpatterns = [*urlpatterns, *fees_urlpatterns, *returns_urlpatterns]
