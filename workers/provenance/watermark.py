"""Invisible DWT-DCT watermark on the luma of BGR frames, vectorised with numpy.

The layout of `invisible-watermark`'s dwtDct (Haar DWT, 4x4 DCT blocks of the LL band, one
bit per block), written here because that package requires torch and opencv-python, which
would pull a second OpenCV and a deep-learning stack over our pins; its per-block Python loop
also costs ~300 ms on a 1080p frame, where these whole-array operations cost a few tens of ms.

Differences, for robustness to JPEG and H.264: the mark is on luma (chroma is subsampled
and quantised harder by both codecs), in the order of two low-frequency coefficients, and the payload
bits are spread over the frame in a fixed pseudo-random order; each bit is carried by every
64th block and decoded by majority, so a swapped face or a damaged area costs votes, not bits.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from workers.provenance.payload import PAYLOAD_BITS

BLOCK = 4  # DCT block of the LL band = 8x8 pixels, aligned with the JPEG/H.264 grid
DEFAULT_STEP = 12.0
# The bit is the order of two low-frequency coefficients of the block (horizontal vs vertical
# half-cosine over 8x8 pixels): an order survives the brightness and contrast shifts of a
# codec's colour-range round trip, where quantising one coefficient's value (dwtDct) does not.
_PAIR = ((0, 1), (1, 0))
# A block whose pair is far the wrong way round is pushed at most this many steps (and
# outvoted): it keeps the change small (PSNR ~46 dB) on strong edges.
MAX_PUSH_STEPS = 2.0
_ORDER_SEED = 0x15A3
# Smallest frame that carries every bit a few times over (64 bits x 4 blocks).
MIN_SIDE = 64


def _dct_matrix(size: int) -> np.ndarray:
    rows = np.arange(size)[:, None]
    cols = np.arange(size)[None, :]
    matrix = np.cos(np.pi * (2 * cols + 1) * rows / (2 * size)) * np.sqrt(2 / size)
    matrix[0] /= np.sqrt(2)
    return matrix


_DCT = _dct_matrix(BLOCK)
# One Haar level gives the LL band (each value = sum of a 2x2 pixel square / 2); a 4x4 DCT
# coefficient of the LL band is then a fixed 8x8 weighting of the pixels: kron(basis, ones(2,2)) / 2.
# Applying that kernel directly gives the same numbers as pywt.dwt2 + a block DCT, in one pass.
_KERNELS = np.stack([np.kron(np.outer(_DCT[u], _DCT[v]), np.ones((2, 2))) / 2 for u, v in _PAIR]).astype(np.float32)
# The inverse: a change c of a coefficient changes the 8x8 pixels by c x kron(basis, ones(2,2)) / 2
# (the Haar synthesis of an LL change spreads it over its 2x2 square, halved).
_PATTERNS = _KERNELS
UNIT = 2 * BLOCK  # pixels per block side


@lru_cache(maxsize=16)
def _bit_order(blocks_high: int, blocks_wide: int) -> np.ndarray:
    """Which payload bit each block carries: a fixed shuffle, every bit about equally often."""
    count = blocks_high * blocks_wide
    order = np.random.default_rng(_ORDER_SEED).permutation(count) % PAYLOAD_BITS
    return order.reshape(blocks_high, blocks_wide)


def _luma_blocks(image: np.ndarray) -> np.ndarray:
    """Luma (BT.601, as JPEG and H.264 use) as (blocks high, blocks wide, 8, 8) float32."""
    high, wide = image.shape[0] - image.shape[0] % UNIT, image.shape[1] - image.shape[1] % UNIT
    luma = cv2.cvtColor(np.ascontiguousarray(image[:high, :wide]), cv2.COLOR_BGR2GRAY).astype(np.float32)
    return luma.reshape(high // UNIT, UNIT, wide // UNIT, UNIT).transpose(0, 2, 1, 3)


def _pair(blocks: np.ndarray) -> np.ndarray:
    """The two coefficients of `_PAIR` for every block: (2, blocks high, blocks wide)."""
    high, wide = blocks.shape[:2]
    flat = np.ascontiguousarray(blocks).reshape(high * wide, UNIT * UNIT)
    return (flat @ _KERNELS.reshape(2, UNIT * UNIT).T).T.reshape(2, high, wide)


@dataclass(frozen=True)
class MarkPattern:
    up: np.ndarray  # uint8 BGR, added (saturating)
    down: np.ndarray  # uint8 BGR, then subtracted
    shape: tuple[int, ...]  # of the frames it fits


@dataclass(frozen=True)
class WatermarkReading:
    bits: np.ndarray  # PAYLOAD_BITS values, 0/1
    ones: np.ndarray  # share of the votes for 1, per bit
    votes: np.ndarray  # votes per bit

    @property
    def confidence(self) -> float:
        """Mean distance of the votes from a coin toss: ~0 unmarked, ~1 cleanly marked."""
        return float(np.mean(np.abs(self.ones - 0.5) * 2))


class DwtDctWatermark:
    """Embeds and reads the payload bits; ``step`` trades visibility for robustness."""

    def __init__(self, step: float = DEFAULT_STEP) -> None:
        self.step = float(step)

    def fits(self, image: np.ndarray) -> bool:
        return min(image.shape[:2]) >= MIN_SIDE

    def pattern(self, image: np.ndarray, bits: np.ndarray) -> MarkPattern | None:
        """The luma change that marks ``image`` (None when it is too small to carry the payload)."""
        if not self.fits(image):
            return None
        pair = _pair(_luma_blocks(image))
        sign = np.asarray(bits, dtype=np.float32)[_bit_order(*pair.shape[1:])] * 2 - 1
        # The bit is the sign of (first - second) coefficient; push the pair apart to a margin
        # of `step` where it isn't already (a change of sign or of scale keeps their order).
        shortfall = np.clip(self.step - sign * (pair[0] - pair[1]), 0.0, MAX_PUSH_STEPS * self.step) / 2
        change = np.stack([sign * shortfall, -sign * shortfall])
        blocks_high, blocks_wide = pair.shape[1:]
        delta = (change.reshape(2, -1).T.astype(np.float32) @ _PATTERNS.reshape(2, UNIT * UNIT)).reshape(
            blocks_high, blocks_wide, UNIT, UNIT).transpose(0, 2, 1, 3).reshape(blocks_high * UNIT, blocks_wide * UNIT)
        delta = np.rint(delta)
        # The same change on B, G and R moves luma by exactly that much and leaves the colour be.
        up = cv2.merge([np.clip(delta, 0, 255).astype(np.uint8)] * 3)
        down = cv2.merge([np.clip(-delta, 0, 255).astype(np.uint8)] * 3)
        return MarkPattern(up=up, down=down, shape=image.shape)

    @staticmethod
    def apply(image: np.ndarray, pattern: MarkPattern | None) -> np.ndarray:
        """``image`` with a pattern added (saturating): a pattern made on an earlier frame of the
        same video still marks most blocks of this one, and a mark that stays put from frame to
        frame is one that H.264's motion prediction carries along instead of smoothing away."""
        if pattern is None or pattern.shape != image.shape:
            return image
        high, wide = pattern.up.shape[:2]
        marked = image.copy()
        area = marked[:high, :wide]
        area[...] = cv2.subtract(cv2.add(area, pattern.up), pattern.down)
        return marked

    def embed(self, image: np.ndarray, bits: np.ndarray) -> np.ndarray:
        """A marked copy of a BGR uint8 image (too small an image comes back unchanged)."""
        return self.apply(image, self.pattern(image, bits))

    def read(self, image: np.ndarray) -> WatermarkReading:
        """The bits found in one frame, with their vote shares."""
        if not self.fits(image):
            half = np.full(PAYLOAD_BITS, 0.5)
            return WatermarkReading(bits=np.zeros(PAYLOAD_BITS, np.uint8), ones=half, votes=np.zeros(PAYLOAD_BITS))
        pair = _pair(_luma_blocks(image))
        ones_vote = (pair[0] > pair[1]).astype(np.float64)
        order = _bit_order(*pair.shape[1:]).ravel()
        votes = np.bincount(order, minlength=PAYLOAD_BITS).astype(np.float64)
        ones = np.bincount(order, weights=ones_vote.ravel(), minlength=PAYLOAD_BITS) / np.maximum(votes, 1)
        return WatermarkReading(bits=(ones > 0.5).astype(np.uint8), ones=ones, votes=votes)

    @staticmethod
    def combine(readings: list[WatermarkReading]) -> WatermarkReading:
        """Majority over several frames of one video: each frame's votes count."""
        votes = np.sum([reading.votes for reading in readings], axis=0)
        ones = np.sum([reading.ones * reading.votes for reading in readings], axis=0) / np.maximum(votes, 1)
        return WatermarkReading(bits=(ones > 0.5).astype(np.uint8), ones=ones, votes=votes)
