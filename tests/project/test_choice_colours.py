"""Each status's badge colour lives beside its choices (style.md: "Choices with labels (and colours
for the UI)"): every value has one, and every colour is a badge the stylesheet draws, so a new
status cannot reach a page as an unstyled or default-grey badge by accident."""

import re
from pathlib import Path

import pytest

from appointments.choices import STATE_COLOURS, AppointmentState
from faults.choices import SLA_COLOURS, STATUS_COLOURS, FaultStatus, SlaState
from integrations.choices import (
    INBOUND_STATUS_COLOURS,
    OUTBOUND_STATUS_COLOURS,
    InboundStatus,
    OutboundStatus,
)

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"

COLOUR_MAPS = [
    pytest.param(FaultStatus, STATUS_COLOURS, id="fault status"),
    pytest.param(SlaState, SLA_COLOURS, id="SLA state"),
    pytest.param(AppointmentState, STATE_COLOURS, id="appointment state"),
    pytest.param(OutboundStatus, OUTBOUND_STATUS_COLOURS, id="outbound message"),
    pytest.param(InboundStatus, INBOUND_STATUS_COLOURS, id="inbound message"),
]


def _badge_colours() -> set[str]:
    return set(re.findall(r"^\.badge-([a-z-]+)\s*\{", STYLESHEET.read_text(), re.MULTILINE))


@pytest.mark.parametrize(("choices", "colours"), COLOUR_MAPS)
def test_every_value_has_a_colour_the_stylesheet_draws(choices, colours) -> None:
    assert set(colours) == set(choices.values)
    assert set(colours.values()) <= _badge_colours()
