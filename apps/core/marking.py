"""The server's marks on outputs, built from settings: the C2PA signer (one per process) and
each output's OutputMarker (workers.provenance). Used where outputs are made (the job runner,
the fast tasks), never by the web process: it loads OpenCV and the C2PA library."""
import uuid
from functools import lru_cache

from django.conf import settings

from workers.provenance.c2pa_signing import ManifestSigner, SigningCredentials
from workers.provenance.marking import OutputMarker
from workers.provenance.payload import WatermarkPayload
from workers.provenance.watermark import DwtDctWatermark

from .provenance import OutputProvenance


@lru_cache(maxsize=1)
def manifest_signer() -> ManifestSigner:
    credentials = SigningCredentials.load(cert_path=settings.ISAMURAI_C2PA_CERT or None,
                                          key_path=settings.ISAMURAI_C2PA_KEY or None,
                                          generated_dir=settings.ISAMURAI_C2PA_GENERATED_DIR)
    return ManifestSigner(credentials, generator_version=settings.SPECTACULAR_SETTINGS["VERSION"])


def output_marker(*, output_id: uuid.UUID, provenance: OutputProvenance, label: bool | None = None) -> OutputMarker:
    """The marks of one output (a job, or an instant output of a kind): ``label`` None = the server
    default."""
    return OutputMarker(
        payload=WatermarkPayload.for_job(server_id=settings.ISAMURAI_SERVER_ID, job_id=output_id),
        signer=manifest_signer(), digital_source_type=provenance.digital_source_type,
        description=provenance.description,
        label=settings.ISAMURAI_VISIBLE_LABEL if label is None else label, watermark=DwtDctWatermark(),
        watermark_refresh=settings.ISAMURAI_WATERMARK_REFRESH,
    )
