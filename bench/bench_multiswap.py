"""Multi-face swap cost: frames/s of the two-person 960x480 clip with both persons mapped,
against the single-person case of the same size and length (one of the two people, the other
half black), same models, same run. Ratio = multi fps / single fps.

    .venv/bin/python -m bench.bench_multiswap
"""
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.bench_faceswap import SOURCE_FACE, TESTDATA, make_model_pack  # noqa: E402

TWO_PEOPLE = TESTDATA / "videos" / "two_faces_hstack.mp4"
SECOND_SOURCE = TESTDATA / "images" / "biden.jpg"


def make_single_person_clip(destination: Path) -> Path:
    """The left person of the two-person clip, the right half black: same size, length, audio."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(TWO_PEOPLE), "-vf",
                    "drawbox=x=480:y=0:w=480:h=480:color=black:t=fill", "-c:v", "libx264", "-preset", "ultrafast",
                    "-crf", "18", "-c:a", "copy", str(destination)], check=True)
    return destination


def thumbnails(models, folder: Path) -> dict[str, Path]:
    """analyse-frame on the first frame, as a client would, saved as the persons' thumbnails."""
    from workers.pipelines.faceswap import analyse_frame
    from workers.video.reader import VideoFrameReader

    with VideoFrameReader(TWO_PEOPLE) as reader:
        first = next(iter(reader))
    paths = {}
    for person in analyse_frame(models, first):
        paths[person.person_id] = folder / f"thumb_{person.person_id}.jpg"
        paths[person.person_id].write_bytes(person.thumbnail_jpeg)
    return paths


def run_once(models, inputs: dict, options: dict, output_dir: Path, frames: int) -> dict:
    from workers.pipelines import faceswap
    from workers.pipelines.context import PipelineContext

    output_dir.mkdir(parents=True, exist_ok=True)
    ctx = PipelineContext(inputs=inputs, options={"gquality": "480p", "media_type": "video", **options},
                          output_dir=output_dir, models=models)
    started = time.perf_counter()
    faceswap.run(ctx)
    seconds = time.perf_counter() - started
    return {"frames": frames, "seconds": round(seconds, 3), "fps": round(frames / seconds, 2)}


def main() -> int:
    from workers.model_zoo.registry import ModelRegistry
    from workers.video.probe import MediaProbe

    with tempfile.TemporaryDirectory(prefix="bench-multi-") as tmp:
        folder = Path(tmp)
        models_dir, _ = make_model_pack(folder / "models")
        models = ModelRegistry(models_dir, providers="cpu")
        for name in ("det_10g", "w600k_r50", "inswapper_128"):
            models.session(name)
        frames = MediaProbe().probe(TWO_PEOPLE).frame_count
        single_clip = make_single_person_clip(folder / "single.mp4")
        thumbs = thumbnails(models, folder)
        assert sorted(thumbs) == ["P1", "P2"], f"expected two persons, got {sorted(thumbs)}"
        multi_inputs = {"target": TWO_PEOPLE, "thumbnail:P1": thumbs["P1"], "source:P1": SOURCE_FACE,
                        "thumbnail:P2": thumbs["P2"], "source:P2": SECOND_SOURCE}
        single = run_once(models, {"target": single_clip, "source": SOURCE_FACE}, {}, folder / "out_single", frames)
        multi = run_once(models, multi_inputs, {"multi": True}, folder / "out_multi", frames)
        single_again = run_once(models, {"target": single_clip, "source": SOURCE_FACE}, {}, folder / "out_single2",
                                frames)
    result = {
        "clip": "two_faces_hstack.mp4 960x480, 120 frames; single = same clip with the right person blacked out",
        "single_person": single, "two_persons": multi, "single_person_again": single_again,
        "multi_over_single_fps_ratio": round(multi["fps"] / ((single["fps"] + single_again["fps"]) / 2), 3),
        "cv2_threads": cv2.getNumThreads(),
    }
    print(json.dumps(result, indent=2))
    out = REPO_ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "multiswap.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
