from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Partner integrations"

    def ready(self) -> None:
        # The fault lifecycle's calls to suppliers go to the outbox, checked against the enabled
        # protocol packages; each package's adapter, gateway, URLs and polls are found through
        # `integrations.packages` when needed, and the spine's one event subscriber, which hands
        # each event to the enabled packages' subscribers, is subscribed now.
        from appointments.gateways import connect_gateway_lookup
        from faults.ports import PartnerCalls, connect_partner_calls
        from integrations import (
            checks,  # noqa: F401  (registers the system checks)
            exception_rules,  # noqa: F401  (registers DELIVERY_DEAD)
        )
        from integrations.adapters import partner_call_refusal
        from integrations.contributions import register_contributions
        from integrations.outbox import outbox_partner_call
        from integrations.packages import appointment_gateway_for, connect_enabled_packages

        connect_partner_calls(PartnerCalls(handler=outbox_partner_call, check=partner_call_refusal))
        connect_gateway_lookup(appointment_gateway_for)
        connect_enabled_packages()
        # The spine's parts of the fault pages (timeline, queue, wallboard).
        register_contributions()
        # Its pending timers for a fault (outbox deliveries, reconciliation): diagnostics.
        from integrations.timers import register_spine_timers

        register_spine_timers()
        # The partners' certificates' expiry on /metrics (ops), read from the sweep's rows.
        from integrations.certificate_metrics import PartnerCertificateCollector
        from ops.metrics import register_collector

        register_collector(PartnerCertificateCollector())
