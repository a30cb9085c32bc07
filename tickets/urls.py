from django.urls import path

from . import queue, views

urlpatterns = [
    path("", views.home, name="home"),
    path("work-orders/", views.work_order_list, name="work-order-list"),
    path("work-orders/new/", views.work_order_new, name="work-order-new"),
    path("work-orders/<int:pk>/", views.work_order_detail, name="work-order-detail"),
    path("work-orders/<int:pk>/actions/<str:action>/", views.work_order_action, name="work-order-action"),
    # "my-jobs": the technician's phone page, onsite/urls.py (issue 14).
    path("dispatch-queue/", queue.dispatch_queue, name="dispatch-queue"),
]
