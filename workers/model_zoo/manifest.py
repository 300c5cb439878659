"""The list of model weight files: where to get them and how to recognise the right bytes."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MANIFEST_PATH = Path(__file__).resolve().parents[2] / "models_weights" / "manifest.json"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ModelEntry:
    """One weight file of the manifest."""

    name: str
    file: str
    urls: tuple[str, ...]
    sha256: str | None  # None when no published digest could be found
    size: int | None
    license: str
    used_by: tuple[str, ...]
    description: str = ""
    # Whether the weights' licence allows commercial use (selling the outputs); unknown = no.
    commercial_use: bool = False

    @property
    def install_command(self) -> str:
        return f"python manage.py download_models --only {self.name}"

    def path_in(self, models_dir: str | Path) -> Path:
        return Path(models_dir) / self.file


class ManifestError(ValueError):
    """The manifest file is malformed."""


class ModelManifest:
    """Loads and validates ``models_weights/manifest.json``."""

    def __init__(self, entries: list[ModelEntry]) -> None:
        self._entries: dict[str, ModelEntry] = {}
        files: set[str] = set()
        for entry in entries:
            if entry.name in self._entries:
                raise ManifestError(f"duplicate model name {entry.name!r}")
            if entry.file in files:
                raise ManifestError(f"duplicate model file {entry.file!r}")
            self._entries[entry.name] = entry
            files.add(entry.file)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MANIFEST_PATH) -> ModelManifest:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ManifestError(f"can't read the model manifest {path}: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> ModelManifest:
        entries = []
        for raw in data.get("models", []):
            try:
                entry = ModelEntry(
                    name=str(raw["name"]),
                    file=str(raw["file"]),
                    urls=tuple(str(url) for url in raw["urls"]),
                    sha256=(str(raw["sha256"]).lower() if raw.get("sha256") else None),
                    size=(int(raw["size"]) if raw.get("size") is not None else None),
                    license=str(raw["license"]),
                    used_by=tuple(str(use) for use in raw.get("used_by", [])),
                    description=str(raw.get("description", "")),
                    commercial_use=raw.get("commercial_use", False),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise ManifestError(f"malformed manifest entry {raw!r}: {exc}") from exc
            if not isinstance(entry.commercial_use, bool):
                raise ManifestError(f"{entry.name}: commercial_use must be true or false")
            if entry.sha256 is not None and not _SHA256.match(entry.sha256):
                raise ManifestError(f"{entry.name}: sha256 must be 64 hex digits")
            if not entry.urls:
                raise ManifestError(f"{entry.name}: at least one URL is needed")
            if Path(entry.file).name != entry.file:
                raise ManifestError(f"{entry.name}: file must be a bare file name")
            entries.append(entry)
        return cls(entries)

    @property
    def entries(self) -> list[ModelEntry]:
        return list(self._entries.values())

    @property
    def names(self) -> list[str]:
        return list(self._entries)

    def get(self, name: str) -> ModelEntry:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(self._entries)
            raise KeyError(f"unknown model {name!r}; known models: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries


def sha256_of(path: str | Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class InstalledModel:
    """What ``download_models --list`` shows for one model."""

    entry: ModelEntry
    path: Path
    # "installed", "missing", "partial", "wrong size", "checksum mismatch", "unverified",
    # "test stand-in"
    state: str
    size_on_disk: int | None

    @property
    def ok(self) -> bool:
        return self.state in ("installed", "unverified")


STANDIN_METADATA_KEY = "isamurai_standin"
_STANDIN_MAX_BYTES = 64 * 1024 * 1024


def is_standin_file(path: str | Path) -> bool:
    """True for the tiny test models of ``tests/standin_models.py`` (marked in their metadata)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size > _STANDIN_MAX_BYTES:
        return False
    try:
        import onnx  # only needed here, and only for small files

        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # not an ONNX file at all: certainly not a stand-in
        return False
    return any(p.key == STANDIN_METADATA_KEY and p.value == "true" for p in model.metadata_props)


def installed_state(entry: ModelEntry, models_dir: str | Path, *, verify_hash: bool = False
                    ) -> InstalledModel:
    """Reports whether ``entry``'s file is present and (optionally hash-)correct."""
    path = entry.path_in(models_dir)
    if not path.is_file():
        partial = path.with_name(path.name + ".part")
        state = "partial" if partial.is_file() else "missing"
        size = partial.stat().st_size if partial.is_file() else None
        return InstalledModel(entry, path, state, size)
    size = path.stat().st_size
    # An entry without a published size (FaceFusion's exports) still tells its stand-in apart.
    if (entry.size is None or size != entry.size) and is_standin_file(path):
        return InstalledModel(entry, path, "test stand-in", size)
    if entry.size is not None and size != entry.size:
        return InstalledModel(entry, path, "wrong size", size)
    if verify_hash and entry.sha256 is not None:
        state = "installed" if sha256_of(path) == entry.sha256 else "checksum mismatch"
        return InstalledModel(entry, path, state, size)
    return InstalledModel(entry, path, "installed" if entry.sha256 else "unverified", size)


def installed_entries(manifest: ModelManifest, models_dir: str | Path) -> list[ModelEntry]:
    """The manifest's models whose weight file is present in ``models_dir``."""
    return [entry for entry in manifest.entries if entry.path_in(models_dir).is_file()]


def non_commercial_installed(manifest: ModelManifest, models_dir: str | Path) -> list[ModelEntry]:
    return [entry for entry in installed_entries(manifest, models_dir) if not entry.commercial_use]
