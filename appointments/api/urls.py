from rest_framework.routers import SimpleRouter

from appointments.api.views import AppointmentViewSet, FaultAppointmentViewSet

app_name = "appointments-api"

router = SimpleRouter()
router.register("appointments", AppointmentViewSet, basename="appointment")
router.register("faults", FaultAppointmentViewSet, basename="fault-appointment")

urlpatterns = router.urls
