from django.urls import URLPattern

# The appointment screens (slot picker, reservation) are added by the fault work.
urlpatterns: list[URLPattern] = []
