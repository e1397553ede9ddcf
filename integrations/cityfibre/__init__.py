"""The supplier Ticketing API (seeds 001 and 004): XML messages in a SOAP 1.1 Document/Literal
envelope over HTTPS with a client certificate.

Modules: `schema` (the vendored XSD), `soap` (the envelope), `builders` (what we send),
`parsers` (what we receive, read tolerantly), `messages` (the dataclasses both use).
Nothing is imported here, so importing the package stays cheap and free of Django setup.
"""
