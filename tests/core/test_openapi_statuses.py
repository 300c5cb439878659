"""OpenAPI lists every status an operation can answer (issue 19), checked on the generated schema
against what each operation is and what its handler's code can reach:

- every operation: 400, 404, 405, 500; one that reads a key: 401, 403 and, throttled, 429 (also
  where no key is needed: one that is sent is checked and counted); one that takes a body: 413
  and 415; one whose handler is @idempotent: 409 and 422;
- 503 wherever the handler's calls reach a fast worker (``core.fast.fast_task_call``) or the
  engine's start check (``jobs.services.job_start_check``: a model on a worker), found by reading
  the handler and the project functions it calls, transitively, with ast.
"""
import ast
import inspect
import textwrap

from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator

from apps.core.errors import error_status
from apps.core.fast import fast_task_call
from apps.jobs.services import job_start_check
from workers.errors import ErrorCategory

REACHES_A_WORKER = {fast_task_call, job_start_check}


def _resolve(node: ast.expr, namespace: dict, owner: type | None):
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls") and owner is not None:
            return getattr(owner, node.attr, None)
        base = _resolve(node.value, namespace, owner)
        return getattr(base, node.attr, None) if base is not None else None
    return None


def _reaches_a_worker(function, *, owner: type | None = None, seen: set | None = None) -> bool:
    seen = set() if seen is None else seen
    function = inspect.unwrap(function)
    if function in REACHES_A_WORKER:
        return True
    module = getattr(function, "__module__", "") or ""
    if function in seen or not module.startswith(("apps.", "tests.toykind")) or not inspect.isfunction(function):
        return False
    seen.add(function)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError):  # made at run time (a lambda's, a generated method): nothing to read
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            target = _resolve(node.func, function.__globals__, owner)
            if isinstance(target, type):  # a class called: its __init__ is what runs
                target = target.__dict__.get("__init__")
            if target is not None and _reaches_a_worker(target, owner=owner, seen=seen):
                return True
    return False


def _listed(schema: dict, path: str, method: str) -> set[int]:
    return {int(code) for code in schema["paths"][path][method.lower()]["responses"] if code.isdigit()}


def _status(*categories: ErrorCategory) -> set[int]:
    return {error_status(category) for category in categories}


def test_every_operation_lists_every_status_it_can_answer():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    problems, checked, with_503 = [], 0, 0
    for path, _, method, callback in EndpointEnumerator().get_api_endpoints():
        if path not in schema["paths"] or method.lower() not in schema["paths"][path]:
            continue
        view = callback.cls
        handler = getattr(view, method.lower())
        listed = _listed(schema, path, method)
        expected = _status(ErrorCategory.BAD_INPUT, ErrorCategory.NOT_FOUND, ErrorCategory.NOT_ALLOWED,
                           ErrorCategory.INTERNAL)
        if method in ("POST", "PUT", "PATCH"):
            expected |= _status(ErrorCategory.TOO_LARGE, ErrorCategory.UNSUPPORTED_MEDIA)
        security = schema["paths"][path][method.lower()].get("security") or [{}]
        if [entry for entry in security if entry]:  # a key is read: a bad one is 401, a suspended
            expected |= _status(ErrorCategory.UNAUTHENTICATED, ErrorCategory.FORBIDDEN)  # account's 403
            if view.throttle_classes:
                expected |= _status(ErrorCategory.THROTTLED)
        if getattr(inspect.unwrap(handler), "__name__", "") != getattr(handler, "__name__", "") or \
                ErrorCategory.CONFLICT in getattr(handler, "error_categories", ()):
            expected |= _status(ErrorCategory.CONFLICT, ErrorCategory.MISMATCH)
        if _reaches_a_worker(handler, owner=view):
            expected |= _status(ErrorCategory.UNAVAILABLE)
            with_503 += 1
        missing = expected - listed
        if missing:
            problems.append(f"{method} {path} ({view.__name__}) can answer {sorted(missing)} but doesn't list them")
        checked += 1
    assert checked > 20 and with_503 >= 6, (checked, with_503)
    assert not problems, "\n".join(problems)


def test_the_idempotent_charging_posts_list_409_and_422():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/full-process-swap/", "/api/faceswap/slowmotion/process/", "/api/process-swap/"):
        assert {409, 422, 413, 429, 503} <= _listed(schema, path, "POST"), path
