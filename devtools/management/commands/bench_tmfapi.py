from devtools.bench import tmfapi
from devtools.management.commands import bench_ui


class Command(bench_ui.Command):
    help = (
        "TMF621 Trouble Ticket API timings (a filtered list, one ticket with fields=) at growing "
        "fault counts on a PostgreSQL database of its own (make bench; sizes from --sizes or "
        "BENCH_UI_SIZES, default 10000,100000,1000000)."
    )
    part = tmfapi
