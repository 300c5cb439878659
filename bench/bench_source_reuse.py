"""What reusing the submission-time analysis saves a GPU job: the time to build a job's frame
swapper from its source images (decode, detect, embed: the old path) against building it from the
stored SwapSources (the job's JSON), same models, same run; single source and a 3-person multi
swap with 3 photos per source. Ratio = old / reused.

    .venv/bin/python -m bench.bench_source_reuse
"""
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.bench_faceswap import TESTDATA, make_model_pack  # noqa: E402

ROUNDS = 7


def _median_seconds(build) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        build()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    from workers.faces.analyser import FaceAnalyser
    from workers.imaging.codec import ImageDecoder
    from workers.model_zoo.registry import ModelRegistry
    from workers.pipelines.faceswap import analyse_frame, build_frame_swapper
    from workers.pipelines.sources import SwapSources, sources_analyse

    with tempfile.TemporaryDirectory() as folder:
        models_dir, _ = make_model_pack(Path(folder))
        models = ModelRegistry(models_dir, providers="cpu")
        for name in ("det_10g", "w600k_r50", "inswapper_128"):
            models.session(name)
        images = TESTDATA / "images"
        decoder = ImageDecoder(80_000_000)
        source_files = [images / name for name in ("obama.jpg", "obama2.jpg", "obama3.jpg")]
        frame = decoder.decode_file(images / "two_people.jpg")
        persons = analyse_frame(models, frame)
        thumbnail_files = {}
        for person in persons:
            path = Path(folder) / f"{person.person_id}.jpg"
            path.write_bytes(person.thumbnail_jpeg)
            thumbnail_files[person.person_id] = path

        def single_old():
            build_frame_swapper(models, sources=decoder.decode_file(source_files[0]))

        def multi_old():
            sources = {pid: [decoder.decode_file(path) for path in source_files] for pid in thumbnail_files}
            thumbs = {pid: decoder.decode_file(path) for pid, path in thumbnail_files.items()}
            build_frame_swapper(models, sources=sources, thumbnails=thumbs)

        analyser = FaceAnalyser(models)
        single_json = sources_analyse(analyser, decoder.decode_file(source_files[0])).to_json()
        multi_json = sources_analyse(
            analyser, {pid: [decoder.decode_file(path) for path in source_files] for pid in thumbnail_files},
            {pid: decoder.decode_file(path) for pid, path in thumbnail_files.items()}).to_json()

        def single_reused():
            build_frame_swapper(models, sources=SwapSources.from_json(json.loads(json.dumps(single_json))))

        def multi_reused():
            build_frame_swapper(models, sources=SwapSources.from_json(json.loads(json.dumps(multi_json))))

        results = {}
        for name, old, reused in (("single, 1 photo", single_old, single_reused),
                                  (f"multi, {len(thumbnail_files)} persons x 3 photos", multi_old, multi_reused)):
            old_s, reused_s = _median_seconds(old), _median_seconds(reused)
            results[name] = {"old_ms": round(old_s * 1000, 1), "reused_ms": round(reused_s * 1000, 2),
                             "ratio": round(old_s / reused_s, 1)}
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
