"""Fetch model weight files: mirrors in turn, resume on a .part file, SHA-256 check."""
from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import requests

from workers.errors import ModelDownloadError
from workers.model_zoo.manifest import ModelEntry, ModelManifest, sha256_of

logger = logging.getLogger(__name__)


class ProgressBar:
    """A dependency-free text progress bar, redrawn at most a few times a second."""

    def __init__(self, label: str, total: int | None, stream: TextIO | None = None,
                 width: int = 30) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self._last_draw = 0.0
        self._started = time.monotonic()

    def update(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if now - self._last_draw >= 0.2:
            self._last_draw = now
            self._draw()

    def _draw(self, end: str = "") -> None:
        megabytes = self.done / 1e6
        rate = megabytes / max(time.monotonic() - self._started, 1e-6)
        if self.total:
            fraction = min(1.0, self.done / self.total)
            filled = int(fraction * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            text = (f"\r{self.label} [{bar}] {fraction * 100:5.1f}% "
                    f"{megabytes:.1f}/{self.total / 1e6:.1f} MB {rate:.1f} MB/s")
        else:
            text = f"\r{self.label} {megabytes:.1f} MB {rate:.1f} MB/s"
        self.stream.write(text + end)
        self.stream.flush()

    def finish(self) -> None:
        self._draw(end="\n")


@dataclass(frozen=True)
class DownloadResult:
    name: str
    path: Path
    sha256: str
    source_url: str | None  # None when the file was already installed
    verified: bool  # False when the manifest has no digest to check against

    @property
    def skipped(self) -> bool:
        return self.source_url is None


class _RetryNextMirror(Exception):
    """This URL failed; the next mirror may work."""


class ModelDownloader:
    """Downloads manifest entries into ``models_dir``.

    Each URL of an entry is tried in turn. Bytes go to ``<file>.part``; an interrupted
    download resumes from there with an HTTP Range request. The finished file must match the
    manifest's size and SHA-256, or it is deleted. Only a verified file takes the real name.
    """

    def __init__(
        self,
        models_dir: str | Path,
        manifest: ModelManifest,
        *,
        timeout_seconds: float = 30.0,
        chunk_size: int = 1 << 20,
        progress_stream: TextIO | None = None,
        show_progress: bool = True,
        session: requests.Session | None = None,
        progress_factory: Callable[[str, int | None], ProgressBar] | None = None,
    ) -> None:
        self.models_dir = Path(models_dir)
        self.manifest = manifest
        self.timeout_seconds = timeout_seconds
        self.chunk_size = chunk_size
        self.show_progress = show_progress
        self.progress_stream = progress_stream
        self.session = session or requests.Session()
        self._progress_factory = progress_factory or (
            lambda label, total: ProgressBar(label, total, self.progress_stream)
        )

    def download_all(self, names: Iterable[str] | None = None) -> list[DownloadResult]:
        selected = list(names) if names is not None else self.manifest.names
        return [self.download(name) for name in selected]

    def download(self, name: str) -> DownloadResult:
        """Installs one model (a no-op when a verified copy is already there)."""
        entry = self.manifest.get(name)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        final = entry.path_in(self.models_dir)
        if final.is_file():
            digest = sha256_of(final)
            if entry.sha256 is None or digest == entry.sha256:
                return DownloadResult(name, final, digest, None, entry.sha256 is not None)
            logger.warning("%s: installed file fails its checksum; downloading again", name)
            final.unlink()

        failures: list[str] = []
        for url in entry.urls:
            try:
                return self._from_url(entry, url, final)
            except _RetryNextMirror as exc:
                failures.append(f"{url}: {exc}")
                logger.warning("%s: %s failed (%s); trying the next mirror", name, url, exc)
        raise ModelDownloadError(
            f"Could not download model '{name}' from any of its {len(entry.urls)} location(s). "
            f"Check this machine's internet access (or proxy), then run "
            f"`{entry.install_command}` again; or copy {entry.file} into {self.models_dir} "
            f"by hand. Tried: " + "; ".join(failures)
        )

    def _from_url(self, entry: ModelEntry, url: str, final: Path) -> DownloadResult:
        partial = final.with_name(final.name + ".part")
        have = partial.stat().st_size if partial.is_file() else 0
        if entry.size is not None and have > entry.size:
            partial.unlink()  # longer than the real file: can't be a prefix of it
            have = 0
        if entry.size is None or have < entry.size:
            self._fetch(entry, url, partial, have)
        digest = sha256_of(partial)
        size = partial.stat().st_size
        if entry.size is not None and size != entry.size:
            partial.unlink()
            raise _RetryNextMirror(f"size {size} bytes, expected {entry.size}")
        if entry.sha256 is not None and digest != entry.sha256:
            partial.unlink()
            raise _RetryNextMirror(f"SHA-256 {digest} does not match {entry.sha256}")
        if entry.sha256 is None:
            logger.warning("%s: no published SHA-256 to check; downloaded file has %s",
                           entry.name, digest)
        os.replace(partial, final)
        logger.info("%s: installed %s from %s", entry.name, final, url)
        return DownloadResult(entry.name, final, digest, url, entry.sha256 is not None)

    def _fetch(self, entry: ModelEntry, url: str, partial: Path, have: int) -> None:
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            response = self.session.get(url, headers=headers, stream=True,
                                        timeout=self.timeout_seconds, allow_redirects=True)
        except requests.RequestException as exc:
            raise _RetryNextMirror(_short_reason(exc)) from exc
        with response:
            if response.status_code == 416 and have:
                # The server says we already have every byte; let the checksum decide.
                return
            if response.status_code not in (200, 206):
                raise _RetryNextMirror(f"HTTP {response.status_code}")
            resumed = response.status_code == 206 and have > 0
            if resumed and not response.headers.get("Content-Range", "").startswith(
                    f"bytes {have}-"):
                raise _RetryNextMirror("server answered a different byte range")
            mode = "ab" if resumed else "wb"
            done = have if resumed else 0
            label = f"{entry.name}{' (resumed)' if resumed else ''}"
            bar = self._progress_factory(label, entry.size) if self.show_progress else None
            try:
                with open(partial, mode) as handle:
                    for chunk in response.iter_content(chunk_size=self.chunk_size):
                        if not chunk:
                            continue
                        handle.write(chunk)
                        done += len(chunk)
                        if bar is not None:
                            bar.update(done)
            except requests.RequestException as exc:
                # Keep the .part file: the next attempt (or mirror) resumes from it.
                raise _RetryNextMirror(_short_reason(exc)) from exc
            finally:
                if bar is not None:
                    bar.finish()


def _short_reason(exc: Exception) -> str:
    if isinstance(exc, requests.ConnectionError):
        return "could not connect (offline, DNS failure or connection refused)"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return exc.__class__.__name__


def verify_file(path: str | Path, expected_sha256: str) -> bool:
    """True when ``path`` hashes to ``expected_sha256``."""
    return sha256_of(path) == expected_sha256.lower()


