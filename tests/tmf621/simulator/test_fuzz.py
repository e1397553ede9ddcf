"""No input makes the simulator answer 500: mutated raises, random PATCHes, random queries and
paths each get a 2xx or a 4xx in the TMF error shape (a 500 would say the simulator has a bug,
and a test of our product would blame our side)."""

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.tmf621.simulator import Tmf621Simulator
from tests.tmf621.simulator.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    LISTENER_TOKEN,
    Buyer,
    ticket_body,
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [*ticket_body(), "status", "id", "statusChangeReason", "correlationId", "@type", "x"]
)
FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _answered_well(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"code", "reason", "message", "status"}, body
        assert body["status"] == str(response.status_code)


def _simulator() -> Tmf621Simulator:
    return Tmf621Simulator(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        listener_token=LISTENER_TOKEN,
        step_delay=3600,
    )


def test_mutated_raises_and_patches_never_get_a_500() -> None:
    with _simulator() as sim:
        buyer = Buyer(sim)
        ticket = buyer.raised()

        @FUZZ
        @given(changes=st.dictionaries(FIELDS, JSON_VALUES, min_size=1, max_size=3))
        def check(changes: dict[str, Any]) -> None:
            body = {**ticket_body(), **changes}
            _answered_well(buyer.send_json("POST", "troubleTicket", body))
            _answered_well(buyer.send_json("PATCH", f"troubleTicket/{ticket['id']}", changes))

        check()


def test_any_json_body_never_gets_a_500() -> None:
    with _simulator() as sim:
        buyer = Buyer(sim)
        ticket = buyer.raised()

        @FUZZ
        @given(body=JSON_VALUES, raw=st.binary(max_size=40))
        def check(body: Any, raw: bytes) -> None:
            for data in (json.dumps(body), raw):
                for method, path in (
                    ("POST", "troubleTicket"),
                    ("PATCH", f"troubleTicket/{ticket['id']}"),
                    ("POST", "hub"),
                ):
                    response = buyer.call(
                        method, path, data=data, headers={"Content-Type": "application/json"}
                    )
                    _answered_well(response)

        check()


def test_any_query_or_path_never_gets_a_500() -> None:
    with _simulator() as sim:
        buyer = Buyer(sim)
        buyer.raised()

        @FUZZ
        @given(
            params=st.dictionaries(
                st.sampled_from(
                    [
                        "id",
                        "name",
                        "lastUpdate.gt",
                        "creationDate.lte",
                        "limit",
                        "offset",
                        "fields",
                        "status",
                        "resolutionDate",
                    ]
                ),
                st.text(max_size=30),
                max_size=3,
            ),
            path=st.text(max_size=30),
        )
        def check(params: dict[str, str], path: str) -> None:
            _answered_well(buyer.call("GET", "troubleTicket", params=params))
            _answered_well(buyer.call("GET", f"troubleTicket/{path}"))
            _answered_well(buyer.call("DELETE", f"hub/{path}"))

        check()
