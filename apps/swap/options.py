"""The face-swap options as API fields, shared by every swap endpoint: the face swap's options
schema (``workers.pipelines.options.faceswap_options_schema``: the swap's own fields and every
registered processor's), nothing declared here.

The views hand the schema object (``serializer.options()``) to the services; the job stores it
(``FaceSwapJob.options_store``) and the pipeline gets it back typed (``pipeline_options``).
"""
from __future__ import annotations

from apps.core.options import OptionsSerializer
from workers.pipelines.options import faceswap_options_schema


class FaceSwapOptionsSerializer(OptionsSerializer):
    """Every face-swap option; each absent field keeps its default."""

    options_schema = staticmethod(faceswap_options_schema)


class PreviewOptionsSerializer(FaceSwapOptionsSerializer):
    """A one-frame preview: no output quality (the frame is swapped as sent)."""

    options_excluded = ("gquality",)


class MultiPreviewOptionsSerializer(FaceSwapOptionsSerializer):
    """A multi-person preview: each analysed person is mapped, so no face selection."""

    options_excluded = ("gquality", "face_selection")


class JobOptionsSerializer(FaceSwapOptionsSerializer):
    """A swap job: the quality is required (as in the hosted API)."""

    options_required = ("gquality",)
