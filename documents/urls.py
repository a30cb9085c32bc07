from django.urls import path

from . import views

urlpatterns = [
    path("documents/<str:token>/pdf/", views.document_pdf, name="document-pdf"),
    path("documents/<str:token>/print/", views.document_print, name="document-print"),
    path("documents/<str:token>/images/<path:name>", views.document_image, name="document-image"),
    path("work-orders/<int:pk>/photos/add/", views.photo_add_page, name="document-photo-add"),
    path("work-orders/<int:pk>/parts/add/", views.part_add_page, name="document-part-add"),
]
