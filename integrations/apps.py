from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Partner integrations"

    def ready(self) -> None:
        # The fault lifecycle's calls to suppliers go to the outbox, checked against the enabled
        # protocol packages; each package's adapter, gateway, URLs and polls are found through
        # `integrations.packages` when needed, and its event subscribers are subscribed now.
        from faults.ports import PartnerCalls, connect_partner_calls
        from integrations import checks  # noqa: F401  (registers the system checks)
        from integrations.adapters import partner_call_refusal
        from integrations.outbox import outbox_partner_call
        from integrations.packages import connect_enabled_packages

        connect_partner_calls(PartnerCalls(handler=outbox_partner_call, check=partner_call_refusal))
        connect_enabled_packages()
