from django.db import models


class Protocol(models.TextChoices):
    CITYFIBRE = "cityfibre", "Supplier Ticketing API (XML/SOAP, mutual TLS)"
    TMF621 = "tmf621", "TMF621 Trouble Ticket (REST/JSON)"
    TEP = "tep", "Ticket Exchange Platform (SOAP)"


class Environment(models.TextChoices):
    SIMULATOR = "simulator", "Local simulator"
    INTEGRATION = "integration", "Supplier integration / staging"
    PRODUCTION = "production", "Production"
