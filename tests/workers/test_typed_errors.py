"""workers/ raises typed errors (workers/errors.py: a category and a sentence for the user) for
anything a user's input or option can cause. Read from the source with ast: a plain builtin
exception (ValueError, RuntimeError, TypeError, KeyError, Exception) is raised only where the
allow-list below says why it is an internal invariant, a developer's mistake or the operator's
configuration at start-up, never a request's value."""
import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLAIN = {"ValueError", "RuntimeError", "TypeError", "KeyError", "Exception"}

# (file, function) -> why a plain exception is right there.
INTERNAL = {
    ("workers/concurrency.py", "put"): "a producer used after abort(): a programming error",
    ("workers/options.py", "__pydantic_init_subclass__"): "a schema declared without a Price per value: at import",
    ("workers/options.py", "_choice_words"): "pydantic's validator protocol; options_parse turns it into PipelineError",
    ("workers/processors/registry.py", "processor_register"): "two processor modules with one name: at import",
    ("workers/pipelines/sources.py", "__post_init__"): "an embedding from our analyser or the server's stored "
                                                       "analysis, never a request's",
    ("workers/pipelines/sources.py", "of_face"): "a face analysed without its embedding: the analyser's contract",
    ("workers/pipelines/sources.py", "mean_identity"): "callers average one or more identities",
    ("workers/pipelines/context.py", "report_fields"): "a pipeline returning a non-dataclass report: a pipeline bug",
    ("workers/pipelines/context.py", "pipeline_load"): "a kind's pipeline path (its spec or ISAMURAI_PIPELINES_JSON)",
    ("workers/imaging/codec.py", "__init__"): "the encoder's quality is the server's constant",
    ("workers/imaging/codec.py", "encode"): "frames handed to the encoder are our own uint8 images",
    ("workers/model_zoo/registry.py", "parse_providers"): "ISAMURAI_PROVIDERS, read when a worker starts",
    ("workers/model_zoo/manifest.py", "get"): "a model name in code missing from the manifest (tests/bench checks)",
    ("workers/interpolation/base.py", "interpolate"): "frame pairs (one size) and time steps come from the "
                                                      "slow-motion pipeline's reader and plan",
    ("workers/interpolation/rife.py", "__init__"): "the RIFE weights' input contract (a sha256-verified file)",
    ("workers/video/writer.py", "__init__"): "output sizes come from target_size (even, positive)",
    ("workers/video/writer.py", "write"): "frames after close() or of another size: a pipeline bug",
    ("workers/video/sandbox.py", "input_arguments"): "demuxers come from the sniffer's allow-list",
    ("workers/provenance/c2pa_signing.py", "algorithm"): "the operator's signing key, loaded at start-up",
    ("workers/provenance/c2pa_signing.py", "load"): "ISAMURAI_C2PA_CERT/KEY, read at start-up",
    ("workers/faces/matching.py", "assign"): "a tracker fed faces without embeddings: a caller's bug",
    ("workers/faces/align.py", "estimate_similarity"): "point sets of our own templates and detections",
    ("workers/faces/swapper.py", "get"): "the inswapper weights' contract (a sha256-verified file)",
    ("workers/faces/detector.py", "_split_outputs"): "the SCRFD weights' output contract",
    ("workers/faces/codeformer.py", "__init__"): "the fidelity comes from the options schema, bounded there (0..1)",
    ("workers/imaging/upscaler.py", "__init__"): "tile and margin are the module's constants",
    ("workers/pipelines/options.py", "_restore_only"): "pydantic's validator protocol; options_parse turns it into "
                                                       "PipelineError",
}


def _plain_raises() -> list[tuple[str, str, int, str]]:
    found = []
    for path in sorted((REPO / "workers").rglob("*.py")):
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if not (isinstance(target, ast.Name) and target.id in PLAIN):
                continue
            scope = parents.get(node)
            while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope = parents.get(scope)
            found.append((str(path.relative_to(REPO)), scope.name if scope else "<module>", node.lineno, target.id))
    return found


def test_workers_raise_typed_errors_for_what_users_can_cause():
    offenders = [f"{path}:{line} raises {name} in {function}(): raise a workers.errors type (MediaError, "
                 "InvalidOption, ModelUnavailable, ...) or add it to INTERNAL with why it can't be a user's doing"
                 for path, function, line, name in _plain_raises() if (path, function) not in INTERNAL]
    assert not offenders, "\n".join(offenders)


def test_the_allow_list_has_no_stale_entry():
    raising = {(path, function) for path, function, _, _ in _plain_raises()}
    assert not set(INTERNAL) - raising, sorted(set(INTERNAL) - raising)
