"""The WSDLs and schemas served at /integrations/tep/_wsdl/<file> are the files themselves."""

import pytest
from django.urls import reverse

from integrations.tep.schema import WSDL_DIR
from integrations.tep.wsdl_views import CONTRACT_FILES

pytestmark = [pytest.mark.urls("tests.tep.contract.urls")]

FILES = ["tep.wsdl", "partner.wsdl", "tep-types.xsd", "tep-service.xsd", "partner-service.xsd"]


def test_the_contract_files_are_the_five():
    assert sorted(CONTRACT_FILES) == sorted(FILES)


@pytest.mark.parametrize("name", FILES)
def test_each_file_is_served_as_it_is(client, name):
    # `client` is not logged in: a page would redirect to the login page.
    response = client.get(f"/integrations/tep/_wsdl/{name}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert b"".join(response.streaming_content) == (WSDL_DIR / name).read_bytes()


def test_the_url_has_a_name(client):
    assert reverse("tep:wsdl", args=["tep.wsdl"]) == "/integrations/tep/_wsdl/tep.wsdl"


def test_the_served_wsdl_resolves_its_schemas_next_to_it(client):
    """Relative schemaLocations: a tool that reads the served WSDL finds the served XSDs."""
    wsdl = b"".join(client.get("/integrations/tep/_wsdl/tep.wsdl").streaming_content)

    assert b'schemaLocation="tep-service.xsd"' in wsdl
    assert b'schemaLocation="tep-types.xsd"' in wsdl
    assert b"http://" not in wsdl.split(b"schemaLocation=")[1][:10]


@pytest.mark.parametrize(
    "name", ["settings.py", "..%2Fschema.py", "%2Fetc%2Fpasswd", "tep.wsdl.bak", "TEP.WSDL"]
)
def test_nothing_else_is_served(client, name):
    response = client.get(f"/integrations/tep/_wsdl/{name}")

    assert response.status_code == 404


def test_only_reading_is_allowed(client):
    response = client.post("/integrations/tep/_wsdl/tep.wsdl")

    assert response.status_code == 405
