"""The house stays one-way: agencies ← parindex ← remediation ← compilation (← "is imported by").

Every module of the four apps (migrations aside) is parsed with ``ast``. The graph
counts imports at module level and inside functions alike, and string references
that bind one app to another: ``apps.get_model("app", ...)``, ``import_string("...")``
and a ``ForeignKey``/``ManyToManyField``/``OneToOneField`` to ``"app.Model"``. The
test fails on any reference against the order, on any loop between two modules of
the project, and on an app importing ``config`` (settings come from
``django.conf.settings``). On failure it prints the graph.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["agencies", "parindex", "remediation", "compilation"]
RANK = {app: i for i, app in enumerate(ORDER)}
RELATION_FIELDS = {"ForeignKey", "ManyToManyField", "OneToOneField"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> list[str]:
    """The modules an ``import from`` names, resolved against the importing package."""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base = package[: len(package) - node.level + 1]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    # "from pkg import mod" names a module when pkg.mod is one; keep both spellings for resolution
    return [target, *(f"{target}.{alias.name}" for alias in node.names)]


def _string_refs(node: ast.Call) -> list[str]:
    """apps.get_model("app", …), import_string("a.b"), ForeignKey("app.Model")."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    strings += [k.value.value for k in node.keywords if k.arg == "to" and isinstance(k.value, ast.Constant)]
    if name == "get_model" and strings:
        return [strings[0].split(".")[0]]
    if name == "import_string" and strings:
        return [strings[0].rsplit(".", 1)[0]]
    if name in RELATION_FIELDS and strings and "." in strings[0]:
        return [strings[0].split(".")[0]]
    return []


def references(module: str, path: Path) -> set[str]:
    """Every module or app this module refers to, anywhere in its body."""
    refs: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            refs.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            refs.update(_absolute(module, path, node))
        elif isinstance(node, ast.Call):
            refs.update(_string_refs(node))
    return refs


def build_graph() -> tuple[dict[str, set[str]], list[str]]:
    """Module → project modules it refers to; and the references that break the rules."""
    modules = project_modules()
    graph: dict[str, set[str]] = defaultdict(set)
    broken = []
    for module, path in modules.items():
        app = module.split(".")[0]
        for ref in sorted(references(module, path)):
            top = ref.split(".")[0]
            if top == "config":
                broken.append(f"{module} imports {ref} (apps read settings from django.conf.settings)")
            if top in RANK and RANK[top] > RANK[app]:
                broken.append(f"{module} refers to {ref}, against the order {' <- '.join(ORDER)}")
            if ref in modules and ref != module:
                graph[module].add(ref)
    return graph, broken


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A loop between modules, as the list of its modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def render(graph: dict[str, set[str]]) -> str:
    return "\n".join(f"{m} -> {', '.join(sorted(refs))}" for m, refs in sorted(graph.items()))


def app_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    apps: dict[str, set[str]] = defaultdict(set)
    for module, refs in graph.items():
        for ref in refs:
            if ref.split(".")[0] != module.split(".")[0]:
                apps[module.split(".")[0]].add(ref.split(".")[0])
    return apps


def test_references_run_one_way_and_nothing_imports_config():
    graph, broken = build_graph()
    assert not broken, "\n".join(broken) + "\n\nThe graph:\n" + render(graph)


def test_no_loop_between_modules():
    graph, _ = build_graph()
    loop = find_cycle(graph)
    assert loop is None, "Import loop: " + " -> ".join(loop) + "\n\nThe graph:\n" + render(graph)


def test_each_app_uses_only_the_apps_below_it():
    apps = app_graph(build_graph()[0])
    for app, used in apps.items():
        assert all(RANK[u] < RANK[app] for u in used), f"{app} uses {sorted(used)}"
    assert apps["compilation"] >= {"parindex", "remediation"}  # the only app that reads both


@pytest.mark.parametrize("app", ORDER)
def test_one_urls_module_per_app_and_no_feature_suffixed_files(app):
    base = ROOT / app
    suffixed = sorted(p.name for p in base.glob("*_*.py") if p.stem.split("_")[0] in {"views", "urls", "forms"})
    assert not suffixed, f"{app}: {suffixed} beside the packages"
    urls = base / "urls.py"
    if urls.exists():
        assert 'app_name = "' in urls.read_text(encoding="utf-8")


# ----------------------------------------------------------------- the check itself can fail


def test_the_check_sees_an_upward_import_inside_a_function(tmp_path):
    fake = ROOT / "agencies" / "_probe_upward.py"
    fake.write_text("def f():\n    from compilation import figures\n", encoding="utf-8")
    try:
        _, broken = build_graph()
    finally:
        fake.unlink()
    assert any("agencies._probe_upward refers to compilation" in line for line in broken)


def test_the_check_sees_a_string_foreign_key_and_get_model():
    tree = ast.parse('models.ForeignKey("remediation.Task", models.CASCADE)\napps.get_model("compilation", "X")')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert {r for c in calls for r in _string_refs(c)} >= {"remediation", "compilation"}


def test_the_check_finds_a_loop():
    assert find_cycle({"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}}) == ["a.x", "a.y", "a.z", "a.x"]
    assert find_cycle({"a.x": {"a.y"}, "a.y": set()}) is None
