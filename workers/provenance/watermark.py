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
import pywt

from workers.provenance.payload import PAYLOAD_BITS

BLOCK = 4  # DCT block of the LL band = 8x8 pixels, aligned with the JPEG/H.264 grid
DEFAULT_STEP = 12.0
# The bit is the order of two low-frequency coefficients of the block (horizontal vs vertical
# half-cosine over 8x8 pixels): an order survives the brightness and contrast shifts of a
# codec's colour-range round trip, where quantising one coefficient's value (dwtDct) does not.
_PAIR = ((0, 1), (1, 0))
LEVELS = 1
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
_BASES = np.stack([np.outer(_DCT[u], _DCT[v]) for u, v in _PAIR]).astype(np.float32)


@lru_cache(maxsize=16)
def _bit_order(blocks_high: int, blocks_wide: int) -> np.ndarray:
    """Which payload bit each block carries: a fixed shuffle, every bit about equally often."""
    count = blocks_high * blocks_wide
    order = np.random.default_rng(_ORDER_SEED).permutation(count) % PAYLOAD_BITS
    return order.reshape(blocks_high, blocks_wide)


def _luma(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image.astype(np.float32), cv2.COLOR_BGR2GRAY)


def _marked_area(image: np.ndarray) -> tuple[int, int]:
    unit = 2 ** LEVELS * BLOCK
    return image.shape[0] - image.shape[0] % unit, image.shape[1] - image.shape[1] % unit


def _coefficients(luma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(LL band, the two coefficients of `_PAIR` for each 4x4 block of it)."""
    band = pywt.wavedec2(luma, "haar", level=LEVELS)[0]
    high, wide = band.shape[0] // BLOCK, band.shape[1] // BLOCK
    blocks = band.reshape(high, BLOCK, wide, BLOCK)
    return band, np.einsum("iajb,kab->kij", blocks, _BASES)


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

    def embed(self, image: np.ndarray, bits: np.ndarray) -> np.ndarray:
        """A marked copy of a BGR uint8 image (too small an image comes back unchanged)."""
        if not self.fits(image):
            return image
        high, wide = _marked_area(image)
        area = image[:high, :wide]
        _, pair = _coefficients(_luma(area))
        sign = np.asarray(bits, dtype=np.float32)[_bit_order(*pair.shape[1:])] * 2 - 1
        # The bit is the sign of (first - second) coefficient; push the pair apart to a margin
        # of `step` where it isn't already (a change of sign or of scale keeps their order).
        shortfall = np.clip(self.step - sign * (pair[0] - pair[1]), 0.0, MAX_PUSH_STEPS * self.step) / 2
        change = np.stack([sign * shortfall, -sign * shortfall]).astype(np.float32)
        band_delta = np.einsum("kij,kab->iajb", change, _BASES).reshape(
            pair.shape[1] * BLOCK, pair.shape[2] * BLOCK)
        pixel_delta = pywt.waverec2([band_delta] + [(None, None, None)] * LEVELS, "haar").astype(np.float32)
        # The same change on B, G and R moves luma by exactly that much and leaves the colour be.
        marked = image.copy()
        marked[:high, :wide] = np.clip(area.astype(np.float32) + pixel_delta[..., None] + 0.5, 0, 255
                                       ).astype(np.uint8)
        return marked

    def read(self, image: np.ndarray) -> WatermarkReading:
        """The bits found in one frame, with their vote shares."""
        if not self.fits(image):
            half = np.full(PAYLOAD_BITS, 0.5)
            return WatermarkReading(bits=np.zeros(PAYLOAD_BITS, np.uint8), ones=half, votes=np.zeros(PAYLOAD_BITS))
        high, wide = _marked_area(image)
        _, pair = _coefficients(_luma(image[:high, :wide]))
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
