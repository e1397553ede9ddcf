"""With --deploy: the diagnostics routes (fireNow closes faults, unhandledErrorTest raises) are
for test and demonstration environments. Switched on explicitly where DEBUG is off, they are
allowed (a staging site may want them) but never silently."""

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning

from faults.exceptions.timers import diagnostics_enabled


@register(Tags.security, deploy=True)
def diagnostics_off_in_production_check(app_configs, **kwargs) -> list[CheckWarning]:
    if settings.DEBUG or not diagnostics_enabled():
        return []
    return [
        CheckWarning(
            "EXCEPTIONS_DIAGNOSTICS_ENABLED is on: any caller with a DirectSupplyPartner token "
            "can fire a fault's timers (close it, mark its SLA breached) through fireNow.",
            hint="Leave it off in production; switch it on only on a test or staging site.",
            id="faults.W101",
        )
    ]
