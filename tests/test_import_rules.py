"""The dependency rules of docs/architecture.md, read from the source with ast. The apps are those
of INSTALLED_APPS (never a list typed here, so a new app is checked as soon as it is installed);
a product app is one whose AppConfig.ready() registers a job kind.

- the apps import each other in one direction: no cycle between apps;
- core imports no other app and names no product; the jobs engine (apps/jobs) imports only core,
  accounts and ledger; ops and provenance import no product app and no product app imports
  them (they find kinds through the registry and react to the engine's signals);
- a services module never imports a tasks module (tasks wrap services; services send tasks by name);
- a tasks module holds thin wrappers only: each function is at most three statements (no nested
  function, lambda, loop, try or with) and it defines no other class or module-level logic, but
  for the allow-listed worker plumbing below;
- workers/ imports nothing from Django, DRF, Celery, apps or the wiring;
- apps/ imports no project module inside a function (the way to dodge a cycle), except in an
  AppConfig.ready(), Django's place for work that needs the models loaded;
- no module of apps/ imports another module's private (_underscored) names;
- the module-level imports between the modules of apps/ have no cycle.
"""
import ast
import re
from pathlib import Path

from django.conf import settings

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


def _project_apps() -> list[str]:
    """The project's apps as INSTALLED_APPS lists them ("apps.swap", ...)."""
    return [name for name in settings.INSTALLED_APPS if _is_under(name, ("apps",))]


def _product_apps() -> list[str]:
    """The apps that register a job kind (their AppConfig.ready() calls job_kind_register)."""
    return [name for name in _project_apps()
            if "job_kind_register(" in (REPO / name.replace(".", "/") / "apps.py").read_text()]


def _app_of(module: str) -> str | None:
    return next((app for app in _project_apps() if _is_under(module, (app,))), None)


def _app_imports(app: str) -> list[tuple[str, int, str]]:
    """(file, line, imported app) for every import of another project app by ``app``'s modules."""
    found = []
    for path in _sources(app.replace(".", "/")):
        for node, module, _ in _imports(path, ast.parse(path.read_text())):
            target = _app_of(module)
            if target is not None and target != app:
                found.append((str(path.relative_to(REPO)), node.lineno, target))
    return found


def test_the_app_list_comes_from_installed_apps():
    apps = _project_apps()
    assert {"apps.core", "apps.jobs", "apps.swap"} <= set(apps)
    assert {"apps.swap", "apps.slowmotion", "apps.restore"} <= set(_product_apps())
    assert not {"apps.core", "apps.jobs", "apps.ops", "apps.provenance"} & set(_product_apps())


def test_the_apps_import_each_other_without_a_cycle():
    graph = {app: {target for _, _, target in _app_imports(app)} for app in _project_apps()}
    cycles = []
    for app in graph:
        reachable, frontier = set(), list(graph[app])
        while frontier:
            current = frontier.pop()
            if current not in reachable:
                reachable.add(current)
                frontier.extend(graph[current])
        if app in reachable:
            cycles.append(f"{app} -> ... -> {app} (imports {', '.join(sorted(graph[app]))})")
    assert not cycles, "\n".join(cycles)


def _offenders(app: str, allowed: set[str]) -> list[str]:
    return [f"{path}:{line} imports {target}" for path, line, target in _app_imports(app) if target not in allowed]


def test_core_imports_no_other_app_and_names_no_product():
    offenders = _offenders("apps.core", allowed=set())
    words = {name.rsplit(".", 1)[-1] for name in _product_apps()} | {"faceswap", "swap", "preview", "gallery"}
    pattern = re.compile(r"\b(" + "|".join(sorted(words)) + r")", re.IGNORECASE)
    for path in _sources("apps/core"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number} names a product: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_jobs_engine_imports_only_core_accounts_and_ledger():
    offenders = _offenders("apps.jobs", allowed={"apps.core", "apps.accounts", "apps.ledger"})
    assert not offenders, "\n".join(offenders)


def test_ops_and_provenance_import_no_product_app():
    offenders = [line for app in ("apps.ops", "apps.provenance")
                 for line in _offenders(app, allowed=set(_project_apps()) - set(_product_apps()))]
    assert not offenders, "\n".join(offenders)


def test_product_apps_import_neither_ops_nor_provenance():
    """They react to the engine (signals, the kind registry); products submit jobs through the engine."""
    offenders = [line for app in _product_apps()
                 for line in _offenders(app, allowed=set(_project_apps()) - {"apps.ops", "apps.provenance"})]
    assert not offenders, "\n".join(offenders)


def test_services_never_import_tasks():
    offenders = [
        f"{path.relative_to(REPO)}:{node.lineno} imports {module}"
        for path in _sources("apps") if path.name == "services.py"
        for node, module, names in _imports(path, ast.parse(path.read_text()))
        if module.endswith(".tasks") or "tasks" in names
    ]
    assert not offenders, "\n".join(offenders)


# Module-level pieces of a tasks module that are not tasks, each with why it lives there.
TASKS_MODULE_PLUMBING = {
    # Celery's worker process itself, not a job's work: the log filter that quietens the idle
    # sweeps (installed on Celery's loggers at import), and the thread that writes the worker's
    # presence between the worker_ready and worker_shutdown signals.
    ("apps/jobs/tasks.py", "IdleSweepLogFilter"),
    ("apps/jobs/tasks.py", "PresenceBeat"),
    ("apps/jobs/tasks.py", "for"),
}
THIN = 3  # statements a task (or a signal receiver) may hold: a call, or a retry decision


def _statements(function: ast.FunctionDef) -> list[ast.stmt]:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return [node for top in body for node in ast.walk(top)
            if isinstance(node, ast.stmt) and not isinstance(node, ast.Global)]


def test_tasks_are_thin_wrappers_over_services():
    offenders = []
    for path in _sources("apps"):
        if path.name != "tasks.py":
            continue
        where = str(path.relative_to(REPO))
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign)) or (
                    isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                continue
            name = getattr(node, "name", type(node).__name__.lower())
            if (where, name) in TASKS_MODULE_PLUMBING:
                continue
            if not isinstance(node, ast.FunctionDef):
                offenders.append(f"{where}:{node.lineno} {name}: a tasks module holds tasks only")
                continue
            statements = _statements(node)
            heavy = [type(inner).__name__ for inner in ast.walk(node) if inner is not node and isinstance(
                inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.For, ast.While, ast.Try, ast.With))]
            if len(statements) > THIN or heavy:
                offenders.append(f"{where}:{node.lineno} {name}() holds logic ({len(statements)} statements"
                                 f"{', ' + ', '.join(heavy) if heavy else ''}): move it to a service")
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
