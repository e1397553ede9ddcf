"""The development tools (demo data, demo PKI, benchmarks) sit above the product: `devtools`
imports the domain and the spine, never the other way round, so production code carries none of
it and a change to the demo cannot break a message."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_APPS = ("faults", "appointments", "integrations")
DEVTOOLS = "devtools"


def _names_devtools(dotted: str) -> bool:
    return dotted == DEVTOOLS or dotted.startswith(f"{DEVTOOLS}.")


def devtools_imports(source: str) -> list[str]:
    """What `source` takes from devtools: imports (at any depth, lazy ones included) and dotted
    paths in strings (`import_string`, settings-style references, `python -m`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _names_devtools(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and _names_devtools(node.module):
                found.append(node.module)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _names_devtools(node.value)
        ):
            found.append(node.value)
    return found


def test_the_domain_and_the_spine_import_nothing_of_the_development_tools() -> None:
    offenders = {
        str(path.relative_to(ROOT)): names
        for app in PRODUCT_APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if (names := devtools_imports(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "import devtools.pki\n",
        "from devtools.demo import demo_data_load\n",
        "from devtools import bench\n",
        "def f():\n    from devtools.bench.views import raw_insert\n",
        'HANDLER = "devtools.bench.views.raw_insert"\n',
    ],
)
def test_every_way_of_reaching_the_development_tools_is_seen(source: str) -> None:
    assert devtools_imports(source)


def test_a_name_that_only_starts_like_it_is_not_taken_for_it() -> None:
    assert devtools_imports("import devtoolsmith\nfrom .devtools import x\n") == []


def test_the_development_tools_are_installed_for_make_run_and_make_bench() -> None:
    from django.core.management import get_commands

    commands = get_commands()
    for name in (
        "load_demo",
        "demo_pki",
        "bench_ingest",
        "bench_ui",
        "bench_tmfapi",
        "bench_broker",
        "bench_exceptions",
    ):
        assert commands.get(name) == DEVTOOLS, name
