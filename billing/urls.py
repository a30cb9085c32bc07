"""Pages of billing (server-rendered, htmx): fees_urlpatterns from views/fees.py, returns_urlpatterns from views/returns.py."""
urlpatterns = []
