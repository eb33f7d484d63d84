"""The rules of the house: the layer contract (import-linter, pyproject.toml) holds and catches a
shortcut; only the whoosh codec touches whoosh's private names; only the app factory imports
config.py; templates include only what exists; template helpers are registered in one place per
blueprint; macro libraries are imported without context and use only template globals."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "kb" / "search" / "engine"
CODEC = ENGINE / "whoosh" / "codec.py"


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """Run the contracts of pyproject.toml against the kb package found in ``tree``."""
    command = [str(Path(sys.executable).with_name("lint-imports")), "--config", str(ROOT / "pyproject.toml")]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_layer_contract_holds_and_fails_on_a_shortcut(tmp_path):
    kept = lint_imports(ROOT)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "BROKEN" not in kept.stdout and "KEPT" in kept.stdout
    shutil.copytree(ROOT / "kb", tmp_path / "kb", ignore=shutil.ignore_patterns("translations", "__pycache__"))
    (tmp_path / "kb" / "models" / "shortcut.py").write_text("from kb.views.catalog import views  # noqa\n")
    (tmp_path / "kb" / "search" / "engine" / "shortcut.py").write_text("import flask  # noqa\n")
    broken = lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "kb.models.shortcut -> kb.views.catalog" in broken.stdout
    assert "kb.search.engine.shortcut -> flask" in broken.stdout


def _foreign_private_names(path: Path) -> list[str]:
    """Private names a module takes from objects it does not own.

    Its own are those of ``self`` in its own classes and of kb's modules; in a subclass of a whoosh
    class, ``self._name`` is whoosh's unless the subclass defines the name itself.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    from_whoosh: set[str] = set()
    kb_modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {alias.asname or alias.name for alias in node.names}
            (from_whoosh if node.module.split(".")[0] == "whoosh" else kb_modules if node.module.startswith("kb")
             else set()).update(names)
            found += [f"import {alias.name}" for alias in node.names
                      if node.module.startswith("whoosh") and alias.name.startswith("_")]
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        if not any(ast.unparse(base).split(".")[0] in from_whoosh for base in cls.bases):
            continue
        init = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
        defined = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
        defined |= {n.attr for f in init for n in ast.walk(f) if isinstance(n, ast.Attribute)
                    and isinstance(n.ctx, ast.Store)}
        found += [f"{path.name}:{n.lineno} {ast.unparse(n)}" for n in ast.walk(cls)
                  if _private(n) and ast.unparse(n.value) == "self" and n.attr not in defined]
    found += [f"{path.name}:{n.lineno} {ast.unparse(n)}" for n in ast.walk(tree)
              if _private(n) and ast.unparse(n.value) not in ("self", "cls", *kb_modules)]
    return sorted(set(found))


def _private(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")


def test_only_the_codec_touches_whoosh_private_names():
    outside = {str(p.relative_to(ROOT)): _foreign_private_names(p) for p in sorted(ENGINE.rglob("*.py")) if p != CODEC}
    assert {path: names for path, names in outside.items() if names} == {}
    assert len(_foreign_private_names(CODEC)) > 10  # the rule sees what the codec does


def test_only_the_app_factory_imports_config():
    """config.py builds the settings once; everything else reads ``current_app.config``."""
    importers = []
    for path in sorted((ROOT / "kb").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if "config" in names:
                importers.append(str(path.relative_to(ROOT)))
    assert importers == ["kb/__init__.py"]


def test_templates_include_what_exists_and_helpers_are_registered_in_one_place_per_blueprint():
    templates = ROOT / "templates"
    named = set()
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "ignore missing" not in text, path  # a renamed fragment would vanish silently
        named |= set(re.findall(r'{%-?\s*(?:include|extends|import|from)\s+"([^"]+)"', text))
    assert named and {name for name in named if not (templates / name).is_file()} == set()
    registering = re.compile(r"app_template_(?:filter|global|test)|app_context_processor"
                             r"|jinja_env\.(?:globals|filters)")
    places = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "kb").rglob("*.py")
                    if registering.search(p.read_text(encoding="utf-8")))
    assert places == ["kb/views/adoption/template_helpers.py", "kb/views/auth/template_helpers.py",
                      "kb/views/catalog/template_helpers.py", "kb/views/community/template_helpers.py",
                      "kb/views/moderation/template_helpers.py", "kb/views/shortlist/template_helpers.py",
                      "kb/views/submission/template_helpers.py", "kb/web/templating.py"]


def _free_names(source: str, env) -> set[str]:
    """Names a template reads that it neither defines nor gets as a macro argument."""
    from jinja2 import nodes

    tree = env.parse(source)
    defined = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    defined |= {m.name for m in tree.find_all(nodes.Macro)} | {i.target for i in tree.find_all(nodes.Import)}
    defined |= {n if isinstance(n, str) else n[1] for i in tree.find_all(nodes.FromImport) for n in i.names}
    loaded = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}
    return loaded - defined - {"loop", "caller", "varargs", "kwargs", "true", "false", "none"}


def test_macro_libraries_are_imported_without_context_and_read_only_globals(app):
    """Jinja builds a library imported without context once per process; with context it ran the
    whole file again on every page (macros.html three times on the submission form). That is only
    right while its macros read nothing but their arguments and the template globals."""
    templates = ROOT / "templates"
    imports = re.compile(r'{%-?\s*(?:import\s+"([^"]+)"\s+as\s+\w+|from\s+"([^"]+)"\s+import\s+[\w, ]+?)'
                         r'\s*(with context)?\s*-?%}')
    libraries = set()
    for path in templates.rglob("*.html"):
        for match in imports.finditer(path.read_text(encoding="utf-8")):
            assert match.group(3) is None, (path, match.group(0))
            libraries.add(match.group(1) or match.group(2))
    env = app.jinja_env
    assert "macros.html" in libraries
    for name in sorted(libraries):
        assert _free_names((templates / name).read_text(encoding="utf-8"), env) <= set(env.globals), name
