"""The typed pipeline options: defaults equal to the API's, values normalised once, bad values
refused with the workers' user-facing error naming the option and what it takes."""
import pytest

from workers.choices import FACE_SELECTIONS, QUALITIES
from workers.pipelines.context import PipelineError
from workers.pipelines.options import FaceSwapOptions, RestoreOptions, SlowMotionOptions


def test_defaults_are_the_api_defaults():
    assert FaceSwapOptions() == FaceSwapOptions(gquality=QUALITIES.default, enhance=False, multi=False,
                                                media_type=None, face_selection=FACE_SELECTIONS.default)
    assert SlowMotionOptions() == SlowMotionOptions(factor=2, mode="slowmo", quality="720p", interpolator="auto")
    assert RestoreOptions().mode == "restore"


def test_values_are_normalised_once():
    options = SlowMotionOptions(factor="4x", mode=" FPS ", quality="1080P", interpolator="Flow")
    assert (options.factor, options.mode, options.quality, options.interpolator) == (4, "fps", "1080p", "flow")
    assert FaceSwapOptions(gquality="480P", enhance=1).gquality == "480p"
    assert SlowMotionOptions.coerce(options) is options


def test_a_mapping_is_coerced_and_unknown_keys_ignored():
    options = FaceSwapOptions.coerce({"gquality": "1080p", "face_selection": "all", "media_type": None,
                                      "analysis": []})
    assert options == FaceSwapOptions(gquality="1080p", face_selection="all")


@pytest.mark.parametrize("make, message", [
    (lambda: FaceSwapOptions(gquality="4k"), "quality must be one of 480p, 720p, 1080p"),
    (lambda: FaceSwapOptions(face_selection="left"), "face_selection must be one of reference, all"),
    (lambda: FaceSwapOptions(media_type="audio"), "media_type must be one of image, video"),
    (lambda: SlowMotionOptions(factor=3), "slow-down factor must be 2, 4 or 8"),
    (lambda: SlowMotionOptions(interpolator="magic"), "interpolator must be one of auto, rife, flow"),
    (lambda: RestoreOptions(mode="paint"), "mode must be one of restore, face_enhance"),
])
def test_bad_values_raise_the_user_facing_error(make, message):
    with pytest.raises(PipelineError, match=message) as raised:
        make()
    assert message in raised.value.user_message
