from django.urls import path

from integrations.tep.views import (
    AttachmentServiceView,
    RestReceiptView,
    RestTicketView,
    TicketServiceView,
)
from integrations.tep.wsdl_views import wsdl_file

app_name = "tep"
urlpatterns = [
    path("_wsdl/<str:filename>", wsdl_file, name="wsdl"),
    # The partner-hosted services TEP calls when the partner receives in hosted mode.
    path(
        "<slug:partner_slug>/TicketService.svc", TicketServiceView.as_view(), name="ticket-service"
    ),
    path(
        "<slug:partner_slug>/AttachmentService.svc",
        AttachmentServiceView.as_view(),
        name="attachment-service",
    ),
    path("<slug:partner_slug>/rest/ticket", RestTicketView.as_view(), name="rest-ticket"),
    path("<slug:partner_slug>/rest/receipt", RestReceiptView.as_view(), name="rest-receipt"),
]
