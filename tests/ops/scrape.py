"""Reading /metrics as Prometheus would."""

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-for-tests"


def scrape(client: Client, token: str = TOKEN) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape: (name, its labels) → value."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    """A sample's value; 0 when the scrape does not have it (a counter not yet counted)."""
    return samples.get((name, frozenset(labels.items())), 0.0)
