from django.urls import path

from faults.ui.fault import views

urlpatterns = [
    path("faults/new/", views.fault_raise, name="fault-raise"),
    path("faults/<str:reference>/", views.fault_detail, name="fault-detail"),
]
