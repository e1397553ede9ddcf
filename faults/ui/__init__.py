"""The NOC's web pages: server-rendered templates with htmx. Views validate input, call the same
services as the API and render; the reads come from selectors."""
