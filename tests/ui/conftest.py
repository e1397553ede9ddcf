"""Logged-in browsers-without-a-browser (Django's test client) for the NOC pages, one per role.
pytest-django's own `admin_client` logs in as the `admin_user` of tests/conftest.py."""

import pytest
from django.test import Client


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(agent_user) -> Client:
    return _client_for(agent_user)


@pytest.fixture
def manager_client(manager_user) -> Client:
    return _client_for(manager_user)
