"""The watermark's 64-bit payload: who made the file (server tag) and which job (job hash),
with a CRC-16 so a decoder can tell a real mark from noise."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy: on a worker only
    import numpy as np

PAYLOAD_BITS = 64
_SERVER_BITS, _JOB_BITS, _CRC_BITS = 16, 32, 16


def _crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def server_tag(server_id: str) -> int:
    """16 bits naming the server (every host of one deployment shares its server id)."""
    return int.from_bytes(hashlib.sha256(f"isamurai-server:{server_id}".encode()).digest()[:2], "big")


def job_hash(job_id: uuid.UUID | str) -> int:
    """32 bits naming a job: enough to find a user's own job, too few to enumerate other users'."""
    return int.from_bytes(hashlib.sha256(f"isamurai-job:{uuid.UUID(str(job_id))}".encode()).digest()[:4], "big")


@dataclass(frozen=True)
class WatermarkPayload:
    server_tag: int
    job_hash: int

    @classmethod
    def for_job(cls, *, server_id: str, job_id: uuid.UUID | str) -> WatermarkPayload:
        return cls(server_tag=server_tag(server_id), job_hash=job_hash(job_id))

    def _body(self) -> bytes:
        return self.server_tag.to_bytes(2, "big") + self.job_hash.to_bytes(4, "big")

    def to_bits(self) -> np.ndarray:
        import numpy as np  # the web process reads payloads' tags without numpy

        data = self._body() + _crc16(self._body()).to_bytes(2, "big")
        return np.unpackbits(np.frombuffer(data, dtype=np.uint8))

    @classmethod
    def from_bits(cls, bits: np.ndarray) -> WatermarkPayload | None:
        """The payload when the CRC matches, else None (no mark, or one too damaged to read)."""
        import numpy as np

        data = np.packbits(np.asarray(bits, dtype=np.uint8)[:PAYLOAD_BITS]).tobytes()
        body, crc = data[:6], int.from_bytes(data[6:8], "big")
        if _crc16(body) != crc:
            return None
        return cls(server_tag=int.from_bytes(body[:2], "big"), job_hash=int.from_bytes(body[2:6], "big"))
