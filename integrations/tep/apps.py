from django.apps import AppConfig
from django.db.models.signals import pre_save


class TepConfig(AppConfig):
    name = "integrations.tep"
    label = "tep"
    verbose_name = "TEP Ticket Exchange"

    def ready(self) -> None:
        from integrations.models import Partner
        from integrations.tep.sizes import apply_tep_default

        # A TEP partner's size limit defaults to one an attachment fits in (`sizes`).
        pre_save.connect(apply_tep_default, sender=Partner, dispatch_uid="tep-size-default")
        # A polling partner's next poll, among a fault's pending timers (diagnostics).
        from integrations.tep.timers import register_tep_timers

        register_tep_timers()
