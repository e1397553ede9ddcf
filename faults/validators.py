from django.core.validators import RegexValidator

# The XSD's nonEmptyString: at least one character that is not white space.
not_blank = RegexValidator(r"\S", message="Must contain at least one non-blank character.")
