"""How the API picks a renderer."""

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation


class UnknownFormatIgnored(DefaultContentNegotiation):
    """`?format=json` (or `api`, the browsable API) still picks a renderer, but an unknown
    format is ignored like any other unknown query parameter, instead of DRF's 404 (which said
    the resource did not exist, and which no operation documents)."""

    def filter_renderers(self, renderers: list[Any], format: str) -> list[Any]:
        matching = [renderer for renderer in renderers if renderer.format == format]
        return matching or renderers
