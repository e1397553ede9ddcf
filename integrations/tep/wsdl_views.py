"""Our WSDLs and schemas, served as they are at `/integrations/tep/_wsdl/<file>` for partners
and tools (`_` cannot start a partner's slug, so the path never clashes with an endpoint).

The files are served byte for byte: the WSDLs' relative schemaLocations resolve to their
neighbours here, and their soap:address is a placeholder (each client binds its endpoint).
No login: a contract is not a secret, and it is the same for every partner."""

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from integrations.tep.schema import WSDL_DIR

__all__ = ["CONTRACT_FILES", "wsdl_file"]

# Only these names, never a path the request makes up.
CONTRACT_FILES = frozenset(
    path.name for path in WSDL_DIR.iterdir() if path.suffix in (".wsdl", ".xsd")
)


@login_not_required
@require_safe
def wsdl_file(request: HttpRequest, filename: str) -> FileResponse:
    if filename not in CONTRACT_FILES:
        raise Http404("No such contract file.")
    response = FileResponse(
        (WSDL_DIR / filename).open("rb"), content_type="text/xml; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
