"""bench_models finds the options to cost by walking the face swap's options schema: every value
that needs a model, so a newly declared option (a step loaded as a plug-in here) is costed with
no edit of the bench."""
from bench.bench_models import BASELINE, model_option_values, option_costs, swap_models_needed
from workers.processors.registry import processor_module_load, processor_unregister


def test_every_model_value_of_the_schema_is_costed_and_a_new_one_shows_up():
    today = model_option_values()
    assert today == {"face_mask=box,occlusion": {"face_mask": ["box", "occlusion"]},
                     "face_mask=box,region": {"face_mask": ["box", "region"]},
                     "enhance=true": {"enhance": True, "enhance_model": "gfpgan_1.4"},
                     **{label: options for label, options in today.items()
                        if not label.startswith("face_mask=") and label != "enhance=true"}}
    spec = processor_module_load("tests.swap.toy_licensed")
    try:
        found = model_option_values()
    finally:
        processor_unregister(spec.name)
    assert found["toy_model=open"] == {"toy_model": "open"}
    assert found["toy_closed_step=true"] == {"toy_closed_step": True}
    assert "toy_model=closed" not in found  # the default is the baseline
    assert today["swap_model=ghost_2_256"] == {"swap_model": "ghost_2_256"} and "swap_model=inswapper_128" not in today
    assert today["enhance=true,enhance_model=codeformer"] == {"enhance": True, "enhance_model": "codeformer"}
    assert {"gfpgan_1.4", "xseg_1", "bisenet_resnet_34", "det_10g"} <= set(swap_models_needed({BASELINE: {}, **today}))


def test_the_cost_of_an_option_is_its_time_per_frame_against_the_baseline():
    rows = option_costs({BASELINE: {"frames_per_second": 0.5, "cpu_seconds_per_frame": 4.0},
                         "enhance=true": {"frames_per_second": 0.25, "cpu_seconds_per_frame": 11.0}}, frames=4)
    assert rows["enhance=true"]["seconds_per_frame"] == 4.0 and rows["enhance=true"]["added_seconds_per_frame"] == 2.0
    assert rows["enhance=true"]["seconds_vs_baseline"] == 2.0
    assert rows["enhance=true"]["added_cpu_seconds_per_frame"] == 7.0
    assert rows[BASELINE]["added_seconds_per_frame"] == 0 and rows["enhance=true"]["frames"] == 4
