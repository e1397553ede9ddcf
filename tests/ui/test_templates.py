"""Every template of the project, read as Django reads it: a `{#` comment ends at the line end,
so one spread over lines would be printed on the page. (The rendered pages are checked too, by
the autouse fixture in tests/conftest.py; this also covers templates no test renders.)"""

from pathlib import Path

from django.conf import settings
from django.template import engines


def _project_templates() -> list[Path]:
    base = Path(settings.BASE_DIR).resolve()
    dirs = [Path(d).resolve() for d in engines["django"].template_dirs]
    own = [d for d in dirs if d.is_relative_to(base) and ".venv" not in d.parts]
    return sorted(path for d in own for path in d.rglob("*") if path.is_file())


def _unclosed_comments(text: str) -> list[int]:
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.rindex("{#") :]
    ]


def test_the_project_has_templates_to_check():
    names = {path.name for path in _project_templates()}
    assert {"base.html", "detail.html", "change_form.html"} <= names


def test_no_template_comment_spans_lines():
    unclosed = {
        str(path): lines
        for path in _project_templates()
        if (lines := _unclosed_comments(path.read_text(encoding="utf-8")))
    }
    assert unclosed == {}, "use {% comment %} for a comment over several lines"
