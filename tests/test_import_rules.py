"""The dependency rules of docs/architecture.md, read from the source with ast:

- the jobs engine (apps/jobs) imports no product app (swap, slowmotion, restore), no console, no ops;
- workers/ imports nothing from Django, DRF, Celery, apps or the wiring;
- apps/ imports no project module inside a function (the way to dodge a cycle), except in an
  AppConfig.ready(), Django's place for work that needs the models loaded;
- no module of apps/ imports another module's private (_underscored) names;
- the module-level imports between the modules of apps/ have no cycle.
"""
import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT_PREFIXES = ("apps", "workers", "isamurai_server")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources(folder: str) -> list[Path]:
    return [path for path in sorted((REPO / folder).rglob("*.py")) if "migrations" not in path.parts]


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names (relative imports resolved against `path`)."""
    if not node.level:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)


def _imports(path: Path, tree: ast.AST) -> list[tuple[ast.AST, str, list[str]]]:
    """(node, module, imported names) for every import statement in `tree`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node, _resolve(path, node), [alias.name for alias in node.names]))
    return found


def _is_under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def test_the_jobs_engine_imports_no_product_app_and_no_ops():
    forbidden = ("apps.swap", "apps.slowmotion", "apps.restore", "apps.console", "apps.ops")
    offenders = [
        f"{path.relative_to(REPO)}:{node.lineno} imports {module}"
        for path in _sources("apps/jobs")
        for node, module, _ in _imports(path, ast.parse(path.read_text()))
        if _is_under(module, forbidden)
    ]
    assert not offenders, "\n".join(offenders)


def test_workers_import_no_django_and_no_apps():
    forbidden = ("django", "rest_framework", "celery", "kombu", "apps", "isamurai_server")
    offenders = [
        f"{path.relative_to(REPO)}:{node.lineno} imports {module}"
        for path in _sources("workers")
        for node, module, _ in _imports(path, ast.parse(path.read_text()))
        if _is_under(module, forbidden)
    ]
    assert not offenders, "\n".join(offenders)


def _is_app_ready(function: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    owner = parents.get(function)
    return (isinstance(function, ast.FunctionDef) and function.name == "ready" and isinstance(owner, ast.ClassDef)
            and any(isinstance(base, ast.Name) and base.id == "AppConfig" for base in owner.bases))


def test_apps_import_project_modules_only_at_module_level():
    offenders = []
    for path in _sources("apps"):
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node, module, _ in _imports(path, tree):
            scope = parents.get(node)
            while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope = parents.get(scope)
            if scope is None or not _is_under(module, PROJECT_PREFIXES) or _is_app_ready(scope, parents):
                continue
            offenders.append(f"{path.relative_to(REPO)}:{node.lineno} imports {module} inside {scope.name}()")
    assert not offenders, "\n".join(offenders)


def test_no_module_uses_another_modules_private_names():
    offenders = [
        f"{path.relative_to(REPO)}:{node.lineno} imports {name} from {module}"
        for path in _sources("apps")
        for node, module, names in _imports(path, ast.parse(path.read_text()))
        if _is_under(module, PROJECT_PREFIXES)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not offenders, "\n".join(offenders)


def _module_graph() -> dict[str, set[str]]:
    """Module-level imports between the modules of apps/ ("from pkg import mod" counts as pkg.mod)."""
    paths = {_module_name(path): path for path in _sources("apps")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for _, module, names in _imports(path, node):
                targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in paths] or [module]
                graph[name].update(target for target in targets if target in paths and target != name)
    return graph


def test_the_modules_of_apps_import_each_other_without_a_cycle():
    graph = _module_graph()
    assert "apps.jobs.runner" in graph["apps.jobs.tasks"]  # the graph sees relative imports
    visiting: list[str] = []
    done: set[str] = set()
    cycles: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycles.append(" -> ".join([*visiting[visiting.index(name):], name]))
            return
        visiting.append(name)
        for target in sorted(graph[name]):
            visit(target)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
    assert not cycles, "\n".join(cycles)
