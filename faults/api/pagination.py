from rest_framework.pagination import PageNumberPagination


class FaultPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 200; the default is the PAGE_SIZE setting)."""

    page_size_query_param = "page_size"
    max_page_size = 200
