"""Issue 10 #21: browsers ask every page's site for /favicon.ico; it is there, without a login."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_site_icon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    icon = b"".join(response.streaming_content)
    assert icon[:4] == b"\x00\x00\x01\x00"  # an icon file (ICO), not a page
