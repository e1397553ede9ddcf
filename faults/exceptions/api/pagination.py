"""The seed's `pageKey` pages: `{"<listName>": [...], "pageKey": "<opaque>" | null}`, the next
page asked for with `?pageKey=`. A cursor over the rows' id, newest first: a row added while a
client pages lands before the cursor (it is on no later page), so every row there when the client
started appears exactly once. Clients cannot choose the order (a cursor needs an unchanging,
unique key). `pageSize` (1 to 200, 50 by default) is ours, not the seed's."""

from typing import Any
from urllib.parse import parse_qs, urlparse

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView

PAGE_KEY = "pageKey"
PAGE_SIZE = "pageSize"
MAX_PAGE_SIZE = 200


class PageQuerySerializer(serializers.Serializer):
    """The query parameters of every paged list (views add their filters to a subclass)."""

    pageKey = serializers.CharField(required=False, help_text="The `pageKey` of the last page.")
    pageSize = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, help_text="Rows per page (50)."
    )


class PageKeyPagination(CursorPagination):
    cursor_query_param = PAGE_KEY
    page_size = 50
    page_size_query_param = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {PAGE_KEY: ["This is not a page key this list gave out."]}
            ) from None

    def page_key(self) -> str | None:
        link = self.get_next_link()
        if not link:
            return None
        return parse_qs(urlparse(link).query)[PAGE_KEY][0]


def paged(
    view: APIView,
    queryset: QuerySet,
    serializer_class: type[serializers.BaseSerializer],
    list_name: str,
) -> dict[str, Any]:
    """One page of `queryset` as the seed's body."""
    paginator = PageKeyPagination()
    rows = paginator.paginate_queryset(queryset, view.request, view=view)
    return {
        list_name: serializer_class(rows, many=True).data,
        PAGE_KEY: paginator.page_key(),
    }


def page_serializer(name: str, list_name: str, item: type[serializers.Serializer]) -> type:
    """The schema of a page: the list under its name and the next page's key."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "__doc__": f"One page of {list_name}; `pageKey` is null on the last page.",
            list_name: item(many=True),
            PAGE_KEY: serializers.CharField(allow_null=True),
        },
    )
