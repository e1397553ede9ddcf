"""The product's form renderer (settings.FORM_RENDERER): Django's own, with one field template
for every form of every page (templates/includes/field.html), so that labels, help and errors
read the same everywhere and no page shows Django's defaults (a colon after each label, help
text between the label and its control)."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Looks templates up like the pages do (the project's templates, then the apps')."""

    field_template_name = "includes/field.html"
