"""Layers point one way: `faults` (the domain) sits at the bottom and imports neither
`appointments` nor `integrations`; `appointments` does not import `integrations`. The pages
`faults` composes get those apps' parts through `faults.contributions` instead, and a model's
foreign key may name a model of the layer above by string ("integrations.Partner").

Any import counts: at module level or inside a function, and by name through importlib,
Django's import_string or apps.get_model. Templates of `faults` do not include or extend those
apps' templates either."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ABOVE = {
    "faults": ("appointments", "integrations"),
    "appointments": ("integrations",),
}
IMPORT_BY_NAME = {"import_module", "import_string", "get_model", "__import__"}


def _is_above(module: str, above: tuple[str, ...]) -> bool:
    return any(module == app or module.startswith(f"{app}.") for app in above)


def _by_name(node: ast.Call) -> str | None:
    """The module or app label a call imports by name (`import_string("integrations.x")`,
    `apps.get_model("integrations", "Partner")`), when the name is a literal."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in IMPORT_BY_NAME or not node.args:
        return None
    first = node.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def imports_from_above(path: Path, above: tuple[str, ...]) -> list[str]:
    """Each import of `above` in one Python file, as "path:line module"."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Call):
            modules = [name for name in [_by_name(node)] if name]
        for module in modules:
            if _is_above(module, above):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {module}")
    return found


def _python_files(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


@pytest.mark.parametrize("app", sorted(ABOVE))
def test_an_app_imports_no_app_above_it(app):
    files = _python_files(app)
    assert len(files) > 10, f"found no Python files of {app} (wrong root?)"
    offenders = [hit for path in files for hit in imports_from_above(path, ABOVE[app])]
    assert offenders == [], f"{app} imports a layer above it:\n" + "\n".join(offenders)


TEMPLATE_REFERENCE = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")


def test_fault_templates_include_no_template_of_an_app_above():
    templates = [
        *sorted((ROOT / "templates" / "faults").rglob("*.html")),
        *sorted((ROOT / "faults" / "templates").rglob("*.html")),
    ]
    assert templates, "found no templates of faults"
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in templates
        for name in TEMPLATE_REFERENCE.findall(path.read_text(encoding="utf-8"))
        if name.split("/")[0] in ABOVE["faults"]
    ]
    assert offenders == [], "faults templates use templates of a layer above:\n" + "\n".join(
        offenders
    )


@pytest.mark.parametrize(
    "source, caught",
    [
        ("from integrations.models import Partner", True),
        ("import appointments.models", True),
        ("def f():\n    from appointments import selectors", True),
        ("import_string('integrations.adapters.get_adapter')", True),
        ("from django.apps import apps\napps.get_model('integrations', 'Partner')", True),
        ("from faults.models import Fault", False),
        ("supplier = 'integrations.Partner'", False),
        ("import integrationsx", False),
    ],
)
def test_the_check_catches_every_kind_of_import(tmp_path, monkeypatch, source, caught):
    monkeypatch.setattr("tests.faults.test_layers.ROOT", tmp_path)
    module = tmp_path / "module.py"
    module.write_text(source)
    assert bool(imports_from_above(module, ABOVE["faults"])) is caught
