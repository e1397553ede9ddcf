"""Our faults as a standard TMF621 v4 Trouble Ticket API (issue 13), for the buyer's other
systems (OSS, helpdesk, portals), with event subscriptions (`POST /hub`) delivered through the
outbox. It shares the TMF621 supplier package's mapping and schemas (`integrations.tmf621`).

A protocol package of its own (`package`): its partners are the hub's subscribers (protocol
`tmf621-hub`, never suppliers), its API is mounted at /tmf-api/troubleTicket/v4/.

Nothing is imported here, so importing the package stays cheap and free of Django setup.
"""
