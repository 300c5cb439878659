"""One ONNX Runtime session per model per process, on the execution providers from settings."""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import onnxruntime as ort

from workers.errors import ModelNotLicensed, ModelUnavailable, ProviderUnavailable
from workers.model_zoo.licences import PERMISSIVE, LicencePolicy
from workers.model_zoo.manifest import STANDIN_METADATA_KEY, ModelManifest

logger = logging.getLogger(__name__)

CPU = "CPUExecutionProvider"
PROVIDER_ALIASES: dict[str, str] = {
    "tensorrt": "TensorrtExecutionProvider",
    "trt": "TensorrtExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "gpu": "CUDAExecutionProvider",
    "cpu": CPU,
}


def parse_providers(setting: str | Sequence[str]) -> list[str]:
    """Turns a setting such as ``"tensorrt,cuda,cpu"`` into ONNX Runtime provider names."""
    items = setting.split(",") if isinstance(setting, str) else list(setting)
    providers: list[str] = []
    for item in items:
        key = item.strip()
        if not key:
            continue
        name = PROVIDER_ALIASES.get(key.lower(), key)
        if not name.endswith("ExecutionProvider"):
            known = ", ".join(sorted(set(PROVIDER_ALIASES)))
            raise ValueError(f"unknown execution provider {key!r}; use one of {known}")
        if name not in providers:
            providers.append(name)
    if not providers:
        raise ValueError("at least one execution provider is needed")
    return providers


class _SessionCache:
    """The process-wide cache: every registry shares it, so each model loads once per process.

    Keyed by the process id too, so a Celery prefork child never reuses a session it
    inherited from its parent (ONNX Runtime sessions aren't fork-safe).
    """

    def __init__(self) -> None:
        self._sessions: dict[tuple[int, str, tuple[str, ...]], ort.InferenceSession] = {}
        self._lock = threading.Lock()
        self._loading: dict[tuple[int, str, tuple[str, ...]], threading.Lock] = {}

    def get_or_create(self, key: tuple[int, str, tuple[str, ...]], create) -> ort.InferenceSession:
        with self._lock:
            session = self._sessions.get(key)
            if session is not None:
                return session
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # one thread builds a given session; others wait for it
            with self._lock:
                session = self._sessions.get(key)
            if session is None:
                session = create()
                with self._lock:
                    self._sessions[key] = session
            return session

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()
            self._loading.clear()

    def __len__(self) -> int:
        return len(self._sessions)


SESSION_CACHE = _SessionCache()

# Models whose files declare output lengths for one input size although they take any: their
# sessions are built with those declarations dropped, so other sizes run without ONNX Runtime
# logging a shape mismatch per output per run. SCRFD's files declare 640x640; the detector
# runs a 16:9 frame as 640x384 instead (see ScrfdDetector).
FREE_OUTPUT_SHAPES = frozenset({"det_10g"})


def _without_output_shapes(path: Path) -> bytes:
    import onnx  # only here: most processes that import the registry never need it

    model = onnx.load(str(path))
    for output in model.graph.output:
        output.type.tensor_type.ClearField("shape")
    return model.SerializeToString()


class ModelRegistry:
    """Finds model files and hands out their (cached) ONNX Runtime sessions.

    ``providers`` comes from settings, e.g. ``"tensorrt,cuda,cpu"`` on a GPU worker or
    ``"cpu"``. When it names an accelerator, a session that ends up on CPU only raises
    :class:`ProviderUnavailable` instead of silently running slowly, unless
    ``allow_cpu_fallback`` is set.

    CPU thread pools don't spin by default (``allow_spinning``): ONNX Runtime's workers
    otherwise busy-wait for the next op after every op, and our pipelines run sessions on
    several threads at once (detection ahead of the swap) next to ffmpeg. On a small CPU
    worker the spinning ate the cores the other stages need: on 2 cores it doubled the
    face swap job's CPU time and cost ~30% of its frame rate.
    """

    def __init__(
        self,
        models_dir: str | Path,
        *,
        providers: str | Sequence[str] = "cpu",
        manifest: ModelManifest | None = None,
        allow_cpu_fallback: bool = False,
        intra_op_threads: int | None = None,
        allow_spinning: bool = False,
        provider_options: dict[str, dict[str, str]] | None = None,
        licences: LicencePolicy = PERMISSIVE,
    ) -> None:
        self.models_dir = Path(models_dir)
        self.manifest = manifest or ModelManifest.load()
        self.providers = parse_providers(providers)
        self.allow_cpu_fallback = allow_cpu_fallback
        self.intra_op_threads = intra_op_threads
        self.allow_spinning = allow_spinning
        self.provider_options = provider_options or {}
        # Commercial mode: a model whose licence forbids it is never loaded, whatever asks for it.
        self.licences = licences

    @property
    def wants_gpu(self) -> bool:
        return any(provider != CPU for provider in self.providers)

    def model_path(self, name: str) -> Path:
        """The weight file of ``name``; ModelUnavailable when it isn't installed (ModelNotLicensed
        when commercial mode forbids it, installed or not)."""
        entry = self.manifest.get(name)
        if not self.licences.allows(entry):
            raise ModelNotLicensed(name, licence=entry.license)
        path = entry.path_in(self.models_dir)
        if not path.is_file():
            raise ModelUnavailable(name)
        return path

    def is_available(self, name: str) -> bool:
        entry = self.manifest.get(name)
        return self.licences.allows(entry) and entry.path_in(self.models_dir).is_file()

    def missing(self, names: Iterable[str] | None = None) -> list[str]:
        """Names (of ``names``, default all) whose files are not installed."""
        selected = list(names) if names is not None else self.manifest.names
        return [name for name in selected if not self.is_available(name)]

    def require(self, names: Iterable[str]) -> None:
        """Raises ModelUnavailable for the first missing model of ``names``."""
        for name in names:
            self.model_path(name)

    def _check_providers_installed(self) -> None:
        available = ort.get_available_providers()
        wanted_gpu = [p for p in self.providers if p != CPU]
        usable_gpu = [p for p in wanted_gpu if p in available]
        if wanted_gpu and not usable_gpu and not self.allow_cpu_fallback:
            raise ProviderUnavailable(
                wanted_gpu,
                detail=f"This worker is configured for {', '.join(wanted_gpu)}, but the installed "
                f"ONNX Runtime only offers {', '.join(available)}; install onnxruntime-gpu with "
                f"a matching CUDA, or configure the providers as 'cpu'.",
            )

    def session(self, name: str) -> ort.InferenceSession:
        """The process's one session for ``name`` (created on first use)."""
        path = self.model_path(name)
        self._check_providers_installed()
        available = set(ort.get_available_providers())
        providers = tuple(p for p in self.providers if p in available) or (CPU,)
        key = (os.getpid(), str(path.resolve()), providers)
        return SESSION_CACHE.get_or_create(key, lambda: self._create(name, path, providers))

    def _create(self, name: str, path: Path, providers: tuple[str, ...]) -> ort.InferenceSession:
        options = ort.SessionOptions()
        if self.intra_op_threads:
            options.intra_op_num_threads = self.intra_op_threads
        options.add_session_config_entry("session.intra_op.allow_spinning",
                                         "1" if self.allow_spinning else "0")
        provider_list = [(p, self.provider_options[p]) if p in self.provider_options else p
                         for p in providers]
        try:
            model = _without_output_shapes(path) if name in FREE_OUTPUT_SHAPES else str(path)
            session = ort.InferenceSession(model, sess_options=options, providers=provider_list)
        except Exception as exc:  # ORT raises its own exception types for bad files
            raise ModelUnavailable(
                name, reason=f"could not be loaded ({exc.__class__.__name__}; the file may "
                "be incomplete or corrupt)"
            ) from exc
        chosen = session.get_providers()
        if self.wants_gpu and not self.allow_cpu_fallback and all(p == CPU for p in chosen):
            raise ProviderUnavailable(
                [p for p in self.providers if p != CPU],
                detail=f"Model '{name}' fell back to CPU although this worker is configured for "
                f"{', '.join(p for p in self.providers if p != CPU)}; check the GPU driver, CUDA "
                f"and cuDNN libraries (ONNX Runtime chose {chosen}).",
            )
        if self.wants_gpu and chosen[0] != self.providers[0]:
            logger.warning("model %s: wanted %s first, ONNX Runtime chose %s",
                           name, self.providers[0], chosen)
        logger.info("model %s loaded from %s on %s", name, path, chosen[0])
        metadata = session.get_modelmeta().custom_metadata_map
        if metadata.get(STANDIN_METADATA_KEY) == "true":
            logger.warning("model %s is a TEST STAND-IN: its output is meaningless", name)
        return session

    def chosen_provider(self, name: str) -> str:
        """The provider the session of ``name`` actually runs on."""
        return self.session(name).get_providers()[0]

    def is_standin(self, name: str) -> bool:
        metadata = self.session(name).get_modelmeta().custom_metadata_map
        return metadata.get(STANDIN_METADATA_KEY) == "true"
