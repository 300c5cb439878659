"""Nothing but the error table picks an error status (issue 19): read from the source, no module
of apps/ or the wiring writes an HTTP error status as a number (``status=404``,
``HttpResponse(status=...)`` with a literal, ``{503: ...}`` in a schema), raises Django's
``Http404`` (a service error's own category decides: ``console.pages.error_page``), or uses DRF's
``status.HTTP_4xx/5xx`` names; apps/core/errors.py (the table) and exceptions.py (DRF's handler,
which maps Django's Http404 and PermissionDenied through it) are where those belong."""
import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
THE_TABLE = {"apps/core/errors.py", "apps/core/exceptions.py"}


def _error_status(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and 400 <= node.value <= 599


def _offenders(path: Path) -> list[str]:
    where = str(path.relative_to(REPO))
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.keyword) and node.arg in ("status", "status_code") and _error_status(node.value):
            found.append(f"{where}:{node.value.lineno} {node.arg}={node.value.value}")
        elif isinstance(node, ast.Assign) and _error_status(node.value) and any(
                isinstance(target, ast.Attribute) and target.attr == "status_code" for target in node.targets):
            found.append(f"{where}:{node.lineno} status_code = {node.value.value}")
        elif isinstance(node, ast.Dict) and any(_error_status(key) for key in node.keys if key is not None):
            found.append(f"{where}:{node.lineno} a mapping keyed by an error status")
        elif isinstance(node, ast.Name) and node.id == "Http404":
            found.append(f"{where}:{node.lineno} Http404")
        elif isinstance(node, ast.Attribute) and node.attr.startswith(("HTTP_4", "HTTP_5")):
            found.append(f"{where}:{node.lineno} {node.attr}")
    return found


def test_no_module_picks_an_error_status_but_the_table():
    offenders = [line for folder in ("apps", "isamurai_server") for path in sorted((REPO / folder).rglob("*.py"))
                 if "migrations" not in path.parts and str(path.relative_to(REPO)) not in THE_TABLE
                 for line in _offenders(path)]
    assert not offenders, "\n".join(offenders)
