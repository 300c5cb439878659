"""One job's marks: what each output frame gets (visible label, invisible watermark) and the
signed C2PA manifest its finished file gets. Built by the server from its settings and handed to
the pipeline (PipelineContext.marker) and to the video writer (``frame_marker``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workers.provenance.c2pa_signing import ManifestSigner
from workers.provenance.label import draw_label
from workers.provenance.payload import WatermarkPayload
from workers.provenance.watermark import DwtDctWatermark


@dataclass
class OutputMarker:
    payload: WatermarkPayload
    signer: ManifestSigner | None
    digital_source_type: str
    description: str
    label: bool = False
    watermark: DwtDctWatermark | None = None
    # Video: every frame is marked; the mark is worked out afresh on frames 0, n, 2n, ... and
    # the frames between get the same pattern (1 = worked out on every frame).
    watermark_refresh: int = 1

    def __post_init__(self) -> None:
        self._bits = self.payload.to_bits()
        self._frames_seen = 0
        self._pattern = None

    def start_at(self, index: int) -> None:
        """The next frame marked is output frame ``index`` (the first of a split job's part)."""
        self._frames_seen, self._pattern = index, None

    def mark_frame(self, frame: np.ndarray) -> np.ndarray:
        """The frame as published: label first, so the watermark also covers the label's corner.
        Called once per output frame, in order (an image is one frame)."""
        index, self._frames_seen = self._frames_seen, self._frames_seen + 1
        if self.label:
            frame = draw_label(frame)
        if self.watermark is not None:
            if index % max(1, self.watermark_refresh) == 0 or self._pattern is None:
                self._pattern = self.watermark.pattern(frame, self._bits)
            frame = self.watermark.apply(frame, self._pattern)
        return frame

    def seal(self, path: str | Path) -> None:
        """Sign the finished file in place."""
        if self.signer is not None:
            self.signer.sign_file(path, digital_source_type=self.digital_source_type, description=self.description)

    def seal_bytes(self, data: bytes, *, mime_type: str) -> bytes:
        if self.signer is None:
            return data
        return self.signer.sign_bytes(data, mime_type=mime_type, title=self.description,
                                      digital_source_type=self.digital_source_type, description=self.description)
