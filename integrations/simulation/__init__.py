"""What every supplier simulator (`integrations/<protocol>/simulator/`) needs whatever protocol it
plays: the HTTP(S) server answering each connection in its own thread, with the `/_sim/` control
API (`server`); one timer thread for the workflow steps (`scheduler`); delivery lanes that keep one
ticket's notifications in order and retry each (`lanes`); the demo PKI's files a simulator reads
(`tls`); the checks its control API applies to a setting (`settings`); and the foreground loop of
a `simulate_*` management command (`command`).

Nothing here needs Django, and nothing here knows a protocol: a simulator brings its own handler,
state, scenarios and messages.
"""
