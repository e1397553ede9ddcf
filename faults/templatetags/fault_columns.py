"""The fault list's cells, rendered by the column registry (faults/ui/worklists/columns.py)."""

from django import template

from faults.models import Fault
from faults.ui.worklists.columns import Column

register = template.Library()


@register.simple_tag
def column_cell(column: Column, fault: Fault) -> str:
    """{% column_cell column fault %}: the cell's HTML, as the column renders it."""
    return column.render(fault)
