"""The console's script spells no option (issue 19): its names, kinds and defaults come from the
page (``option-fields``, rendered from the options schemas), so console.js holds no option's name
and no choice value as a string, but for words that mean something else there."""
import re
from pathlib import Path

from apps.jobs.kinds import all_kinds
from workers.options import OptionsSchema, option_fields
from workers.pipelines.options import faceswap_options_schema

SCRIPT = Path(__file__).resolve().parents[2] / "apps" / "console" / "static" / "console" / "console.js"
DOM_WORDS = {"video": "the <video> element and video/* MIME types", "auto": "the video element's preload",
             "1": "the data-active=\"1\" flag of live job rows"}


def test_console_js_spells_no_option_name_or_value():
    kinds = [spec.options for spec in all_kinds() if isinstance(spec.options, type)]
    schemas = {faceswap_options_schema(), *(schema for schema in kinds if issubclass(schema, OptionsSchema))}
    words = set()
    for schema in schemas:
        for spec in option_fields(schema, public_only=False):
            words.add(spec.name)
            words.update(str(value.value) for value in spec.choices or ())
    assert {"pixel_boost", "enhance", "slowdown_factor", "fps"} <= words
    strings = set(re.findall(r"""["'`]([A-Za-z0-9_]+)["'`]""", SCRIPT.read_text()))
    assert not (words & strings) - set(DOM_WORDS), sorted((words & strings) - set(DOM_WORDS))
