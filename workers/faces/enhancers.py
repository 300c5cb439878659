"""The face enhancers by ``enhance_model``: one entry per value of
:class:`workers.choices.EnhanceModel`, each building its family's :class:`FaceEnhancer` on the
model's session (its weights: ``workers.model_zoo.names.ENHANCER_WEIGHTS``)."""
from __future__ import annotations

from collections.abc import Callable

from workers.choices import CODEFORMER_FIDELITY_DEFAULT, ENHANCER_WEIGHTS, EnhanceModel
from workers.faces.codeformer import CodeFormerEnhancer
from workers.faces.enhancer import FaceEnhancer, GfpganEnhancer
from workers.faces.gpen import GpenEnhancer
from workers.faces.restoreformer import RestoreFormerEnhancer

# value -> (session, fidelity) -> enhancer; fidelity matters to CodeFormer only.
ENHANCERS: dict[EnhanceModel, Callable[[object, float], FaceEnhancer]] = {
    EnhanceModel.GFPGAN_1_4: lambda session, fidelity: GfpganEnhancer(session),
    EnhanceModel.CODEFORMER: lambda session, fidelity: CodeFormerEnhancer(session, fidelity=fidelity),
    EnhanceModel.GPEN_BFR_256: lambda session, fidelity: GpenEnhancer(session, size=256),
    EnhanceModel.GPEN_BFR_512: lambda session, fidelity: GpenEnhancer(session, size=512),
    EnhanceModel.GPEN_BFR_1024: lambda session, fidelity: GpenEnhancer(session, size=1024),
    EnhanceModel.RESTOREFORMER_PLUS_PLUS: lambda session, fidelity: RestoreFormerEnhancer(session),
}


def face_enhancer_create(models, *, model: EnhanceModel = EnhanceModel.GFPGAN_1_4,
                         fidelity: float = CODEFORMER_FIDELITY_DEFAULT) -> FaceEnhancer:
    """The enhancer ``model`` names, on its session from the model registry ``models`` (which
    raises ModelUnavailable naming the weights when they are missing)."""
    return ENHANCERS[model](models.session(ENHANCER_WEIGHTS[model]), fidelity)
