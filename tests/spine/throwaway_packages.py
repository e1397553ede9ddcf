"""Tiny protocol packages written into a test's tmp_path, for the registration tests: a real
package folder with a `package.py`, importable for the test's duration, enabled through the one
setting like any other (the contract tests' fake package lives in tests/fake_protocol/); and
`remount_urls`, for every test that changes which packages are enabled."""

import importlib
import textwrap
import uuid
from pathlib import Path

from django.urls import clear_url_caches

# What throwaway packages' event subscribers saw, across packages, in the order they saw it (a
# subscriber module appends `("{pkg}", event)`; the test clears it).
EVENTS_SEEN: list[tuple[str, object]] = []


def write_package(
    tmp_path: Path, monkeypatch, *, package_py: str, modules: dict[str, str] | None = None
) -> str:
    """Write a package (its `package.py` and any other modules, by name) and return its module
    path, unique per call so no test sees another's modules. `{pkg}` in the sources is replaced
    by that path."""
    name = f"throwaway_{uuid.uuid4().hex[:10]}"
    root = tmp_path / "packages"
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    for module, source in {"package": package_py, **(modules or {})}.items():
        (folder / f"{module}.py").write_text(textwrap.dedent(source).replace("{pkg}", name))
    monkeypatch.syspath_prepend(str(root))
    return name


def enable(settings, path: str) -> None:
    """List the package in INTEGRATION_PACKAGES beside the ones already enabled."""
    settings.INTEGRATION_PACKAGES = [*settings.INTEGRATION_PACKAGES, path]


def remount_urls() -> None:
    """Load config/urls.py again: it mounts the packages enabled when it is loaded, so a test
    that changes INTEGRATION_PACKAGES calls this after the change, and again after putting the
    setting back."""
    clear_url_caches()
    importlib.reload(importlib.import_module("config.urls"))
