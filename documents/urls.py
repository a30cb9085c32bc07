from django.urls import path

from . import views

urlpatterns = [
    path("documents/<str:token>/pdf/", views.document_pdf, name="document-pdf"),
    path("documents/<str:token>/print/", views.document_print, name="document-print"),
    path("documents/<str:token>/images/<path:name>", views.document_image, name="document-image"),
]
