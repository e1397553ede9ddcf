"""The fault API. Each write validates its input, calls one service with the requesting user as
the actor, and answers with the fault (or the comment or attachment it created)."""

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.lockout import raise_if_locked_out
from faults import selectors
from faults.api import inputs, schema
from faults.api.errors import PayloadTooLarge
from faults.api.filters import FaultFilterSet, StableOrderingFilter
from faults.api.pagination import FaultPagination
from faults.api.permissions import FaultRolePermission
from faults.api.serializers import (
    FaultAttachmentSerializer,
    FaultCommentSerializer,
    FaultDetailSerializer,
    FaultNoteSerializer,
)
from faults.errors import FaultNotFound
from faults.models import Fault
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_add_note,
    fault_amend,
    fault_assign,
    fault_assign_to_me,
    fault_attachment_add,
    fault_cancel,
    fault_comment_add,
    fault_raise,
    fault_reject_resolution,
    fault_request_update,
    fault_submit,
)
from faults.services.attachment_checks import human_size

# Room for the multipart envelope around an attachment at the size limit.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# Sub-lists of one fault: whole, unfiltered, unpaginated.
NOT_A_LIST = {"filter_backends": [], "pagination_class": None}


@extend_schema(exclude=True)
class EndpointNotFoundView(APIView):
    """Any URL under /api/v1/ that names no endpoint: the API's own JSON 404 (not Django's HTML
    page), after the API's authentication, so that an anonymous caller is answered 401 here as
    on every other API URL."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        message = f"No API endpoint at {request.path}."
        if not request.path.endswith("/"):
            message += " Endpoint paths end with a slash."
        raise NotFound(message)


@schema.token_schema
class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (`Authorization: Token <key>`)."""

    authentication_classes = ()
    # ObtainAuthToken turns throttling off; guessing from one address is throttled like any
    # anonymous call (and locked out by django-axes).
    throttle_classes = (AnonRateThrottle,)

    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            raise_if_locked_out(request)  # too many failures: 429 saying how to get back in
            raise


@extend_schema_view(**schema.FAULT_VIEWSET_SCHEMAS)
class FaultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Faults raised with suppliers, addressed by their buyer fault reference."""

    lookup_field = "buyer_fault_reference"
    lookup_value_regex = r"[^/]+"
    # Token first, so an anonymous caller is told how to authenticate (401, not 403).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [FaultRolePermission]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = FaultFilterSet
    ordering_fields = ["created_at", "priority", "sla_due_at", "status"]
    pagination_class = FaultPagination
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Fault.objects.none()  # for the schema; the real ones come from the selectors

    def get_queryset(self) -> QuerySet[Fault]:
        if self.action == "list":
            return selectors.fault_list_queryset()
        if self.action == "retrieve":
            return selectors.fault_detail_queryset()
        return Fault.objects.all()

    def get_serializer_class(self) -> type[BaseSerializer]:
        return schema.SERIALIZERS_BY_ACTION.get(self.action, FaultDetailSerializer)

    def get_object(self) -> Fault:
        # No list filters on a single fault: ?status=… must not turn a detail into a 404.
        reference = self.kwargs[self.lookup_field]
        fault = selectors.fault_get(reference=reference, queryset=self.get_queryset())
        self.check_object_permissions(self.request, fault)
        return fault

    # --- helpers ---------------------------------------------------------------------------
    def _actor(self) -> Actor:
        return Actor.for_user(self.request.user)

    def _input(self, serializer_class: type[BaseSerializer], **kwargs: object) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _fault_response(self, fault: Fault, code: int = status.HTTP_200_OK) -> Response:
        fault = selectors.fault_detail_get(fault_id=fault.pk)
        data = FaultDetailSerializer(fault, context=self.get_serializer_context()).data
        return Response(data, status=code)

    # --- create and amend ------------------------------------------------------------------
    def create(self, request: Request) -> Response:
        data = self._input(inputs.FaultCreateSerializer)
        submit = data.pop("submit", False)
        fault = fault_raise(actor=self._actor(), submit=submit, **data)
        response = self._fault_response(fault, status.HTTP_201_CREATED)
        response["Location"] = reverse(
            "faults-api:fault-detail", kwargs={self.lookup_field: fault.buyer_fault_reference}
        )
        return response

    def partial_update(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        changes = self._input(inputs.FaultAmendSerializer, partial=True)
        fault = fault_amend(fault_id=fault.pk, actor=self._actor(), changes=changes)
        return self._fault_response(fault)

    # --- status actions --------------------------------------------------------------------
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        self._input(inputs.NoInputSerializer)
        return self._fault_response(fault_submit(fault_id=fault.pk, actor=self._actor()))

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        data = self._input(inputs.CancelSerializer)
        fault = fault_cancel(fault_id=fault.pk, actor=self._actor(), reason=data["reason"])
        return self._fault_response(fault)

    @action(detail=True, methods=["post"], url_path="accept-resolution")
    def accept_resolution(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        self._input(inputs.NoInputSerializer)
        return self._fault_response(fault_accept_resolution(fault_id=fault.pk, actor=self._actor()))

    @action(detail=True, methods=["post"], url_path="reject-resolution")
    def reject_resolution(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        data = self._input(inputs.RejectResolutionSerializer)
        fault = fault_reject_resolution(
            fault_id=fault.pk, actor=self._actor(), reason=data["reason"]
        )
        return self._fault_response(fault)

    @action(detail=True, methods=["post"], url_path="request-update")
    def request_update(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        self._input(inputs.NoInputSerializer)
        return self._fault_response(fault_request_update(fault_id=fault.pk, actor=self._actor()))

    # --- ownership -------------------------------------------------------------------------
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        data = self._input(inputs.AssignSerializer)
        fault = fault_assign(
            fault_id=fault.pk,
            owner=data.get("owner", fault.owner),
            team=data.get("team", fault.team),
            actor=self._actor(),
        )
        return self._fault_response(fault)

    @action(detail=True, methods=["post"], url_path="assign-to-me")
    def assign_to_me(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        self._input(inputs.NoInputSerializer)
        return self._fault_response(fault_assign_to_me(fault_id=fault.pk, actor=self._actor()))

    # --- comments and attachments ----------------------------------------------------------
    @action(detail=True, methods=["get", "post"], **NOT_A_LIST)
    def comments(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        if request.method == "GET":
            rows = selectors.fault_comments(fault=fault)
            return Response(FaultCommentSerializer(rows, many=True).data)
        data = self._input(inputs.CommentCreateSerializer)
        comment = fault_comment_add(fault_id=fault.pk, actor=self._actor(), text=data["text"])
        return Response(FaultCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get", "post"], **NOT_A_LIST)
    def notes(self, request: Request, buyer_fault_reference: str) -> Response:
        """Internal notes: apart from the comments, as they are never sent to the supplier."""
        fault = self.get_object()
        if request.method == "GET":
            rows = selectors.fault_notes(fault=fault)
            return Response(FaultNoteSerializer(rows, many=True).data)
        data = self._input(inputs.NoteCreateSerializer)
        note = fault_add_note(fault_id=fault.pk, text=data["text"], actor=self._actor())
        return Response(FaultNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        **NOT_A_LIST,
    )
    def attachments(self, request: Request, buyer_fault_reference: str) -> Response:
        fault = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = selectors.fault_attachments(fault=fault)
            return Response(FaultAttachmentSerializer(rows, many=True, context=context).data)
        # Refuse a body that cannot hold an acceptable file before reading it.
        length = request.META.get("CONTENT_LENGTH") or "0"
        if (
            length.isdigit()
            and int(length) > settings.ATTACHMENT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES
        ):
            raise PayloadTooLarge(
                f"The upload is larger than the {human_size(settings.ATTACHMENT_MAX_BYTES)} limit."
            )
        data = self._input(inputs.AttachmentUploadSerializer)
        attachment = fault_attachment_add(
            fault_id=fault.pk, actor=self._actor(), upload=data["file"]
        )
        body = FaultAttachmentSerializer(attachment, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        # The stored file in its own content type (a PDF, an image, …).
        responses={(200, "*/*"): OpenApiTypes.BINARY, **schema.errors(404)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment-file",
        **NOT_A_LIST,
    )
    def attachment_file(
        self, request: Request, buyer_fault_reference: str, attachment_id: str
    ) -> FileResponse:
        fault = self.get_object()
        attachment = selectors.fault_attachment_get(fault=fault, attachment_id=int(attachment_id))
        try:
            handle = attachment.file.open("rb") if attachment.file else None
        except FileNotFoundError:
            handle = None
        if handle is None:
            raise FaultNotFound(f"Attachment {attachment_id} has no stored file.")
        return FileResponse(handle, as_attachment=True, filename=attachment.filename)
