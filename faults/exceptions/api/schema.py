"""What the OpenAPI schema says of the ticket exceptions API: the bearer JWT as its security
scheme, and the seed's error envelope for each refusal an operation can answer."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from faults.exceptions.api.errors import ErrorEnvelopeSerializer

TAG = "ticketExceptions"
WHY = {
    400: "ValidationFailed: the body or a query parameter is refused (each under `errors`).",
    401: "Unauthorized: no bearer token, or one expired, badly signed or of an unknown issuer.",
    403: "Forbidden: the token's persona (or the user's role, for a change) may not do this.",
    404: "NotFound: nothing has the id in the path.",
    415: "UnsupportedMediaType: send application/json.",
    500: "InternalServerError: a bug, logged.",
}


class BearerJwtScheme(OpenApiAuthenticationExtension):
    target_class = "faults.exceptions.api.auth.BearerTokenAuthentication"
    name = "ticketExceptionsJwt"

    def get_security_definition(self, auto_schema: object) -> dict:
        return build_bearer_security_scheme_object(
            header_name="AUTHORIZATION", token_prefix="Bearer", bearer_format="JWT"
        )


def path_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description="The id.")


def refusals(*statuses: int) -> dict[int, OpenApiResponse]:
    """The envelope for each status (401, 403 and 500 always)."""
    return {
        status: OpenApiResponse(ErrorEnvelopeSerializer, description=WHY[status])
        for status in sorted({401, 403, 500, *statuses})
    }
