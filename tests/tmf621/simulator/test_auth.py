"""The token endpoint (seed 002: every API method needs an access token, got with HTTP Basic
credentials) and the refusal of calls without a valid token."""

import requests

from integrations.tmf621.simulator import Tmf621Simulator
from tests.tmf621.simulator.conftest import CLIENT_ID, CLIENT_SECRET, Buyer, tmf_error

GRANT = {"grant_type": "client_credentials"}


def _token(sim: Tmf621Simulator, **kwargs) -> requests.Response:
    return requests.post(sim.token_url, timeout=5, **kwargs)


def test_basic_credentials_get_a_bearer_token_with_its_lifetime(
    sim: Tmf621Simulator,
) -> None:
    sim.configure(token_ttl=900)

    response = _token(sim, auth=(CLIENT_ID, CLIENT_SECRET), data=GRANT)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert len(body["access_token"]) >= 32
    assert response.headers["Cache-Control"] == "no-store"
    other = _token(sim, auth=(CLIENT_ID, CLIENT_SECRET), data=GRANT).json()["access_token"]
    assert other != body["access_token"]


def test_wrong_credentials_are_refused_401_in_the_tmf_error_shape(sim: Tmf621Simulator) -> None:
    wrong_secret = _token(sim, auth=(CLIENT_ID, "not-the-secret"), data=GRANT)
    unknown_client = _token(sim, auth=("someone-else", CLIENT_SECRET), data=GRANT)
    no_credentials = _token(sim, data=GRANT)

    assert tmf_error(wrong_secret, 401, "invalidCredentials")
    assert tmf_error(unknown_client, 401, "invalidCredentials")
    assert tmf_error(no_credentials, 401, "missingCredentials")
    assert wrong_secret.headers["WWW-Authenticate"].startswith("Basic")
    assert sim.state()["tokens"] == {"issued": 0, "valid": 0}


def test_the_token_request_must_be_a_client_credentials_form(sim: Tmf621Simulator) -> None:
    auth = (CLIENT_ID, CLIENT_SECRET)
    wrong_grant = _token(sim, auth=auth, data={"grant_type": "password"})
    as_json = _token(sim, auth=auth, json=GRANT)
    as_get = requests.get(sim.token_url, auth=auth, timeout=5)

    assert tmf_error(wrong_grant, 400, "invalidBody")
    assert tmf_error(as_json, 400, "invalidBody")
    assert tmf_error(as_get, 405, "methodNotAllowed")
    assert as_get.headers["Allow"] == "POST"
    assert sim.state()["tokens"]["issued"] == 0


def test_an_api_call_without_a_valid_token_is_401_and_changes_nothing(
    sim: Tmf621Simulator, buyer: Buyer
) -> None:
    body = {"callback": "http://127.0.0.1:9/listener"}
    without = requests.post(f"{sim.api_url}/hub", json=body, timeout=5)
    unknown = requests.post(
        f"{sim.api_url}/hub", json=body, headers={"Authorization": "Bearer made-up"}, timeout=5
    )
    basic = requests.get(f"{sim.api_url}/troubleTicket", auth=(CLIENT_ID, CLIENT_SECRET), timeout=5)

    assert tmf_error(without, 401, "missingCredentials")
    assert tmf_error(unknown, 401, "invalidCredentials")
    assert tmf_error(basic, 401, "invalidCredentials")
    for response in (without, unknown, basic):
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert sim.state()["hubs"] == []
    assert buyer.call("GET", "troubleTicket").status_code == 200


def test_shortening_the_token_lifetime_expires_the_tokens_already_issued(
    sim: Tmf621Simulator, buyer: Buyer
) -> None:
    """What a test of our token renewal does mid-run: the cached token stops working, a new
    one works."""
    assert buyer.call("GET", "troubleTicket").status_code == 200

    sim.configure(token_ttl=0)

    tmf_error(buyer.call("GET", "troubleTicket"), 401, "invalidCredentials")
    sim.configure(token_ttl=3600)  # a longer lifetime does not bring an expired token back
    tmf_error(buyer.call("GET", "troubleTicket"), 401, "invalidCredentials")
    buyer.token = buyer.new_token()
    assert buyer.call("GET", "troubleTicket").status_code == 200


def test_expire_tokens_ends_every_token_at_once(sim: Tmf621Simulator, buyer: Buyer) -> None:
    other = Buyer(sim)

    sim.configure(expire_tokens=True)

    tmf_error(buyer.call("GET", "troubleTicket"), 401, "invalidCredentials")
    tmf_error(other.call("GET", "troubleTicket"), 401, "invalidCredentials")
    assert sim.state()["tokens"]["valid"] == 0
    buyer.token = buyer.new_token()
    assert buyer.call("GET", "troubleTicket").status_code == 200


def test_token_lifetime_is_changed_through_the_control_api(sim: Tmf621Simulator) -> None:
    response = requests.post(f"{sim.url}/_sim/config", json={"token_ttl": 120}, timeout=5)
    refused = requests.post(f"{sim.url}/_sim/config", json={"token_ttl": -1}, timeout=5)

    assert response.status_code == 200
    assert response.json()["token_ttl"] == 120
    assert refused.status_code == 400
    token = _token(sim, auth=(CLIENT_ID, CLIENT_SECRET), data=GRANT).json()
    assert token["expires_in"] == 120
    assert "client_secret" not in response.json()
