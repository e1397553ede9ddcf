"""Setting up a TMF621 supplier in the admin: the connection with its write-only client secret
and our listener's callback URL offered, then the actions that register our listener
(`POST /hub`), stop its events (`DELETE /hub/{id}`), each reporting the supplier's answer on the
page, never an error page when the supplier is down or refuses."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from integrations.auth.secrets import decrypt_secret
from integrations.choices import Environment
from integrations.models import Partner
from integrations.tmf621.hub import hub_register
from integrations.tmf621.models import Tmf621Connection
from tests.conftest import TEST_PASSWORD
from tests.factories import PartnerFactory
from tests.helpers import admin_form_data
from tests.tmf621.conftest import CLIENT_SECRET, NOWHERE, OUR_SITE, TMF_SLUG
from tests.tmf621.supplier_stub import tmf_error

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/tmf621/tmf621connection/"


@pytest.fixture
def site_admin(db, settings) -> Client:
    """An admin of the whole product (the demo's admin is a superuser), on our site."""
    settings.ALLOWED_HOSTS = [OUR_SITE]
    user = get_user_model().objects.create_superuser(
        "site-admin", "site-admin@example.test", TEST_PASSWORD
    )
    client = Client(HTTP_HOST=OUR_SITE)
    client.force_login(user)
    return client


@pytest.fixture
def connection(tmf_partner) -> Tmf621Connection:
    return tmf_partner.tmf621


def act(client: Client, action: str, connection: Tmf621Connection) -> list[tuple[str, str]]:
    """Run an admin action on the connection; the messages shown on the page it lands on."""
    answer = client.post(
        CHANGELIST, {"action": action, "_selected_action": [connection.pk]}, follow=True
    )
    assert answer.redirect_chain == [(CHANGELIST, 302)]
    return [(message.level_tag, message.message) for message in answer.context["messages"]]


def test_registering_our_listener_posts_the_callback_and_keeps_the_subscription(
    site_admin, connection, tmf_stub
):
    shown = act(site_admin, "register_listener", connection)

    (call,) = tmf_stub.received
    assert (call.method, call.path) == ("POST", "hub")
    assert call.json == {"callback": f"https://{OUR_SITE}/integrations/tmf621/{TMF_SLUG}"}
    assert call.bearer in tmf_stub.valid_tokens
    connection.refresh_from_db()
    assert connection.hub_id == "hub-2"
    assert connection.hub_registered_at is not None
    assert shown == [
        (
            "success",
            f"TMF Supplier (test) now sends its events to {call.json['callback']} "
            "(subscription hub-2).",
        )
    ]


def test_stopping_events_deletes_the_subscription_and_forgets_it(site_admin, connection, tmf_stub):
    hub_register(connection=connection)

    shown = act(site_admin, "stop_events", connection)

    assert [(call.method, call.path) for call in tmf_stub.received][-1] == ("DELETE", "hub/hub-2")
    assert tmf_stub.hubs == {}
    connection.refresh_from_db()
    assert (connection.hub_id, connection.hub_registered_at) == ("", None)
    assert shown[0][0] == "success"


def test_a_subscription_the_supplier_no_longer_knows_is_forgotten_with_a_warning(
    site_admin, connection, tmf_stub
):
    hub_register(connection=connection)
    tmf_stub.hubs.clear()

    shown = act(site_admin, "stop_events", connection)

    connection.refresh_from_db()
    assert connection.hub_id == ""
    assert shown == [
        ("warning", "TMF Supplier (test) no longer knew subscription hub-2: forgotten here too.")
    ]


def test_a_supplier_that_is_down_is_a_message_and_nothing_changes(site_admin, connection):
    """The partner points at loopback port 9, where nothing answers."""
    shown = act(site_admin, "register_listener", connection)

    (level, text) = shown[0]
    assert level == "error"
    assert "TMF Supplier (test) could not be reached" in text
    connection.refresh_from_db()
    assert connection.hub_id == ""


def test_a_supplier_refusing_the_registration_is_its_reason_on_the_page(
    site_admin, connection, tmf_stub
):
    tmf_stub.then(tmf_error(400, "Invalid callback", "The callback must be HTTPS"))

    shown = act(site_admin, "register_listener", connection)

    assert shown == [
        (
            "error",
            "TMF Supplier (test) answered HTTP 400: Invalid callback: The callback must be HTTPS",
        )
    ]
    connection.refresh_from_db()
    assert connection.hub_id == ""


def test_a_supplier_failing_to_delete_keeps_the_subscription(site_admin, connection, tmf_stub):
    hub_register(connection=connection)
    tmf_stub.then(tmf_error(503, "Maintenance"))

    shown = act(site_admin, "stop_events", connection)

    assert shown == [("error", "TMF Supplier (test) answered HTTP 503: Maintenance")]
    connection.refresh_from_db()
    assert connection.hub_id == "hub-2"


def test_refused_credentials_flag_the_partner_and_say_so(site_admin, connection, tmf_stub):
    tmf_stub.refuse_every_token = True

    shown = act(site_admin, "register_listener", connection)

    assert shown[0][0] == "error"
    assert "refused our credentials" in shown[0][1]
    partner = Partner.objects.get(pk=connection.partner_id)
    assert partner.credentials_broken_at is not None
    assert act(site_admin, "register_listener", connection)[0][1].startswith(
        "TMF Supplier (test) refused our credentials on"
    )
    assert len(tmf_stub.received) == 2  # the first attempt and its one renewal; none after


def test_registering_twice_is_refused_until_events_are_stopped(site_admin, connection, tmf_stub):
    hub_register(connection=connection)

    shown = act(site_admin, "register_listener", connection)

    assert shown[0][0] == "error"
    assert "already sends its events to us (subscription hub-2)" in shown[0][1]
    assert len(tmf_stub.received) == 1


def test_an_empty_callback_is_filled_from_the_site_the_admin_uses(site_admin, connection, tmf_stub):
    Tmf621Connection.objects.filter(pk=connection.pk).update(callback_url="")

    act(site_admin, "register_listener", connection)

    connection.refresh_from_db()
    assert connection.callback_url == f"http://{OUR_SITE}/integrations/tmf621/{TMF_SLUG}"
    assert tmf_stub.received[0].json == {"callback": connection.callback_url}


# --- the connection's page ---------------------------------------------------------------------
def test_the_change_page_offers_our_listener_and_never_shows_the_secret(site_admin, connection):
    Tmf621Connection.objects.filter(pk=connection.pk).update(callback_url="")

    page = site_admin.get(f"{CHANGELIST}{connection.pk}/change/")

    assert page.status_code == 200
    form = page.context["adminform"].form
    assert form["callback_url"].value() == f"http://{OUR_SITE}/integrations/tmf621/{TMF_SLUG}"
    html = page.content.decode()
    assert CLIENT_SECRET not in html
    assert connection.client_secret_encrypted not in html
    assert "; not shown." in html


def test_a_new_client_secret_is_stored_encrypted_and_an_empty_one_keeps_it(site_admin, connection):
    url = f"{CHANGELIST}{connection.pk}/change/"
    data = admin_form_data(site_admin.get(url))

    answer = site_admin.post(url, {**data, "client_secret": "new-secret-from-supplier"})
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    connection.refresh_from_db()
    assert decrypt_secret(connection.client_secret_encrypted) == b"new-secret-from-supplier"
    stored = connection.client_secret_encrypted

    site_admin.post(url, {**data, "client_secret": ""})
    connection.refresh_from_db()
    assert connection.client_secret_encrypted == stored


def test_a_connection_is_added_with_its_secret_and_our_listener(site_admin):
    partner = PartnerFactory(slug="new-tmf", protocol="tmf621", environment=Environment.SIMULATOR)

    answer = site_admin.post(
        f"{CHANGELIST}add/",
        {
            "partner": partner.pk,
            "token_url": f"{NOWHERE}/oauth/token",
            "client_id": "noc",
            "client_secret": "issued-by-the-supplier",
            "callback_url": "",
        },
    )

    assert answer.status_code == 302, answer.content[:2000]
    connection = Tmf621Connection.objects.get(partner=partner)
    assert connection.callback_url == f"http://{OUR_SITE}/integrations/tmf621/new-tmf"
    assert decrypt_secret(connection.client_secret_encrypted) == b"issued-by-the-supplier"


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"client_secret": ""}, "client_secret", "The token endpoint needs the client secret."),
        (
            {"token_url": "http://supplier.example/oauth/token"},
            "token_url",
            "Use HTTPS (plain HTTP only for a local simulator).",
        ),
    ],
)
def test_a_connection_without_a_secret_or_https_is_refused(site_admin, changes, field, error):
    partner = PartnerFactory(slug="prod-tmf", protocol="tmf621", environment=Environment.PRODUCTION)
    data = {
        "partner": partner.pk,
        "token_url": "https://supplier.example/oauth/token",
        "client_id": "noc",
        "client_secret": "issued-by-the-supplier",
        "callback_url": "https://noc.example/integrations/tmf621/prod-tmf",
        **changes,
    }

    answer = site_admin.post(f"{CHANGELIST}add/", data)

    assert answer.status_code == 200
    assert answer.context["adminform"].form.errors[field] == [error]
    assert not Tmf621Connection.objects.filter(partner=partner).exists()


def test_only_tmf621_partners_can_have_a_connection(site_admin, partner):
    answer = site_admin.get(f"{CHANGELIST}add/")

    choices = [label for _, label in answer.context["adminform"].form.fields["partner"].choices]
    assert partner.name not in choices
