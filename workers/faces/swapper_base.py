"""What every face swapper model has in common (the ``swap_model`` choice; families in
``workers/faces/swapper.py`` (inswapper), ``hyperswap.py``, ``ghost.py``, ``simswap.py``; the
registry keyed by the choice in ``swappers.py``).

A swapper turns one aligned ``size`` x ``size`` BGR crop of the target face and a per-job source
latent into the swapped crop. The models differ in five facts, held by :class:`SwapperSpec`: the
five-point template the crop is aligned on, the crop size, the normalisation of the input
pixels (RGB in [0, 1], then ``(x - mean) / std``), whether the output is in that normalised
space (then ``x * std + mean`` brings it back) or already in [0, 1], and how the source's ArcFace
embedding becomes the latent (each family's :meth:`FaceSwapper.source_latent`). The facts are
FaceFusion's (facefusion/processors/modules/face_swapper/core.py, its model set,
``prepare_crop_frame`` and ``normalize_crop_frame``); ``tests/workers/faces/test_facefusion_oracle.py``
checks our blobs, latents and outputs against a transcription of those steps.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from workers.faces.align import FaceAligner
from workers.faces.analyser import Face
from workers.faces.paste import FacePaster
from workers.faces.warp import BILINEAR, align_interpolation


@dataclass(frozen=True)
class SwapperSpec:
    """One swapper model's facts (see the module's doc string)."""

    name: str  # the manifest's name of its weights
    template_unit: tuple[tuple[float, float], ...]  # five points, as fractions of the crop side
    size: int  # the model's native input (and output) size
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)  # RGB
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    denormalise: bool = False  # output in the input's normalised space (x * std + mean)

    def template(self, size: int) -> np.ndarray:
        return np.asarray(self.template_unit, np.float64) * float(size)


def unit_points(points: np.ndarray) -> tuple[tuple[float, float], ...]:
    return tuple((float(x), float(y)) for x, y in np.asarray(points, np.float64))


class FaceSwapper:
    """A swapper model's session and its pre- and post-processing; a family adds how the source
    embedding becomes its latent (:meth:`source_latent`)."""

    def __init__(self, session, spec: SwapperSpec) -> None:
        self.session = session
        self.spec = spec
        inputs = session.get_inputs()
        # 'target' is the image input (4 dims), 'source' the latent: found by rank, not by name.
        self.target_name = next(i.name for i in inputs if len(i.shape) == 4)
        self.source_name = next(i.name for i in inputs if len(i.shape) == 2)
        mean, std = np.asarray(spec.mean, np.float32), np.asarray(spec.std, np.float32)
        # (rgb / 255 - mean) / std as one multiply-add per pixel, per channel (NCHW).
        self._scale = (1.0 / (255.0 * std)).reshape(3, 1, 1).astype(np.float32)
        self._offset = (-mean / std).reshape(3, 1, 1).astype(np.float32)
        self._mean, self._std = mean, std
        self.aligner = FaceAligner(spec.template(spec.size), spec.size, border=cv2.BORDER_CONSTANT)
        self.paster = FacePaster(spec.size)
        self._aligners: dict[int, FaceAligner] = {}
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self.spec.size

    def aligner_at(self, size: int) -> FaceAligner:
        """The model's template at ``size`` px (pixel boost: a multiple of :attr:`size`); the
        border is replicated, as FaceFusion's warp does (the edge mask hides it either way)."""
        with self._lock:
            aligner = self._aligners.get(size)
            if aligner is None:
                # the model's own size keeps the reference's bilinear crop; boosted crops take the
                # texture-keeping warps measured in workers.faces.warp, as inswapper's do
                interpolation = align_interpolation(size) if size > self.size else BILINEAR
                aligner = self._aligners[size] = FaceAligner(self.spec.template(size), size,
                                                             interpolation=interpolation)
            return aligner

    def source_latent(self, embedding: np.ndarray) -> np.ndarray:
        """``[1,512]`` float32 from the source's unit ArcFace (w600k_r50) embedding, once per job."""
        raise NotImplementedError

    def blob(self, crop: np.ndarray) -> np.ndarray:
        """An aligned BGR uint8 crop as the model's ``target``: [1,3,size,size] float32."""
        rgb = np.ascontiguousarray(crop[:, :, ::-1].transpose(2, 0, 1), dtype=np.float32)
        rgb *= self._scale
        rgb += self._offset
        return rgb[None]

    def image(self, output: np.ndarray) -> np.ndarray:
        """The model's first output [1,3,size,size] as a BGR uint8 crop (rounded)."""
        pixels = np.asarray(output[0], np.float32).transpose(1, 2, 0)
        if self.spec.denormalise:
            pixels = pixels * self._std + self._mean
        swapped = np.clip(pixels * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(swapped[:, :, ::-1])

    def swap_aligned(self, crop: np.ndarray, latent: np.ndarray) -> np.ndarray:
        """One aligned native-size BGR crop through the model: the swapped crop."""
        output = self.session.run(None, {self.target_name: self.blob(crop), self.source_name: latent})[0]
        return self.image(output)

    def swap_crop(self, image: np.ndarray, face: Face, latent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(swapped native-size BGR crop, the image -> crop matrix)."""
        crop, matrix = self.aligner.crop(image, face.keypoints)
        return self.swap_aligned(crop, latent), matrix

    def swap(self, frame: np.ndarray, face: Face, latent: np.ndarray) -> None:
        """Replaces ``face`` in ``frame`` (in place) with the identity of ``latent``."""
        swapped, matrix = self.swap_crop(frame, face, latent)
        self.paster.paste(frame, swapped, matrix, face.pixel_box(frame.shape))
