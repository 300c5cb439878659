"""The face swap job end to end: videos and images, single and multi, errors and cancel.

Outputs are compared with a plain decode -> encode of the same input at the same size and
encoder settings, so codec noise cancels out; "unchanged" allows a small mean difference,
"changed" needs a large one in the middle of the face.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from workers.faces.analyser import FaceAnalyser
from workers.pipelines import faceswap
from workers.pipelines.context import JobCancelled, PipelineContext, PipelineError
from workers.video.probe import MediaProbe
from workers.video.reader import VideoFrameReader
from workers.video.writer import VideoFrameWriter

from ..conftest import run_ffmpeg
from ..face_helpers import box_mask, decode_frames, inner_box, mean_difference

CHANGED = 10.0  # mean |difference| in the middle of a swapped face (the stand-in shifts colour)
UNCHANGED = 1.5  # mean |difference| allowed for codec noise where nothing was swapped


def plain_reencode(source: Path, destination: Path) -> Path:
    info = MediaProbe().probe(source)
    with VideoFrameReader(source, info=info) as reader, VideoFrameWriter(
            destination, width=info.width, height=info.height, frame_rate=info.frame_rate,
            audio_source=info) as writer:
        for frame in reader:
            writer.write(frame)
    return destination


def run_job(models, tmp: Path, target: Path, inputs: dict, **options) -> Path:
    options = {"gquality": "720p", "enhance": False, "multi": False, "media_type": "video", **options}
    ctx = PipelineContext(inputs={"target": target, **inputs}, options=options,
                          output_dir=tmp, models=models)
    return faceswap.run(ctx).output


@pytest.fixture(scope="module")
def analyser(face_models) -> FaceAnalyser:
    return FaceAnalyser(face_models)


@pytest.fixture(scope="module")
def two_faces(two_faces_clip, tmp_path_factory, analyser):
    """Baseline re-encode of the two-person clip and, per frame, its (left, right) faces."""
    baseline = plain_reencode(two_faces_clip, tmp_path_factory.mktemp("base") / "two.mp4")
    frames = decode_frames(baseline)
    faces = []
    for frame in frames:
        found = sorted(analyser.analyse(frame, embed=False), key=lambda face: face.centre[0])
        assert len(found) == 2
        faces.append(found)
    return frames, faces


def changed_sides(output: Path, baseline_frames, faces_per_frame) -> list[tuple[bool, bool]]:
    frames = decode_frames(output)
    assert len(frames) == len(baseline_frames)
    sides = []
    for frame, base, faces in zip(frames, baseline_frames, faces_per_frame, strict=True):
        diffs = [mean_difference(frame, base, inner_box(face, frame.shape)) for face in faces]
        for value in diffs:  # never ambiguous: a face is clearly swapped or clearly not
            assert value > CHANGED or value < UNCHANGED * 3, diffs
        sides.append(tuple(value > CHANGED for value in diffs))
    return sides


def test_single_swap_on_a_talking_head_keeps_timing_and_audio(face_models, talking_head_clip,
                                                              read_image, tmp_path, analyser):
    source_path = tmp_path / "source.jpg"
    cv2.imwrite(str(source_path), read_image("obama.jpg"))
    progress: list[float] = []
    ctx = PipelineContext(inputs={"target": talking_head_clip, "source": source_path},
                          options={"gquality": "720p", "media_type": "video"},
                          output_dir=tmp_path / "out", models=face_models,
                          report_progress=progress.append)
    result = faceswap.run(ctx)
    output = result.output
    assert (result.report.media_type, result.report.frames) == ("video", result.report.frames_with_faces)
    assert output.parent == tmp_path / "out" and output.suffix == ".mp4"
    source_info, output_info = MediaProbe().probe(talking_head_clip), MediaProbe().probe(output)
    assert output_info.frame_count == source_info.frame_count
    assert (output_info.width, output_info.height) == (480, 480)  # 720p never upscales
    assert output_info.duration_seconds == pytest.approx(source_info.duration_seconds, abs=0.1)
    assert output_info.has_audio
    assert progress == sorted(progress) and progress[-1] == pytest.approx(1.0)

    baseline = decode_frames(plain_reencode(talking_head_clip, tmp_path / "baseline.mp4"))
    for frame, base in zip(decode_frames(output), baseline, strict=True):
        faces = analyser.analyse(base, embed=False)
        assert len(faces) == 1
        assert mean_difference(frame, base, inner_box(faces[0], frame.shape)) > CHANGED
        assert mean_difference(frame, base, ~box_mask(frame.shape, faces, grow=8)) < UNCHANGED


def test_frames_before_encoding_are_identical_outside_the_face_boxes(face_models, two_faces_clip,
                                                                     read_image, analyser):
    swapper = faceswap.build_frame_swapper(face_models, sources=read_image("obama.jpg"),
                                           face_selection="all")
    with VideoFrameReader(two_faces_clip) as reader:
        for index, frame in enumerate(reader):
            if index >= 10:
                break
            original = frame.copy()
            faces = analyser.analyse(original, embed=False)
            result = swapper.process(frame)
            outside = ~box_mask(original.shape, faces)
            assert np.array_equal(result[outside], original[outside])


def test_reference_mode_leaves_the_bystander_alone(face_models, two_faces_clip, two_faces,
                                                   read_image, tmp_path):
    source_path = tmp_path / "source.jpg"
    cv2.imwrite(str(source_path), read_image("obama.jpg"))
    output = run_job(face_models, tmp_path, two_faces_clip, {"source": source_path})
    sides = changed_sides(output, *two_faces)
    assert len(set(sides)) == 1 and sum(sides[0]) == 1  # the same one person in every frame


def test_all_mode_swaps_both_people(face_models, two_faces_clip, two_faces, read_image, tmp_path):
    source_path = tmp_path / "source.jpg"
    cv2.imwrite(str(source_path), read_image("obama.jpg"))
    output = run_job(face_models, tmp_path, two_faces_clip, {"source": source_path},
                     face_selection="all")
    assert set(changed_sides(output, *two_faces)) == {(True, True)}


@pytest.fixture(scope="module")
def multi_inputs(face_models, two_faces_clip, read_image, tmp_path_factory):
    folder = tmp_path_factory.mktemp("multi_inputs")
    first = decode_frames(two_faces_clip)[0]
    persons = faceswap.analyse_frame(face_models, first)
    assert [p.person_id for p in persons] == ["P1", "P2"]
    assert persons[0].bbox[0] < 480 <= persons[1].bbox[0]
    inputs = {}
    for person in persons:
        (folder / f"{person.person_id}.jpg").write_bytes(person.thumbnail_jpeg)
        inputs[f"thumbnail:{person.person_id}"] = folder / f"{person.person_id}.jpg"
    for person_id, name in (("P1", "obama.jpg"), ("P2", "biden.jpg")):
        cv2.imwrite(str(folder / f"source_{person_id}.jpg"), read_image(name))
        inputs[f"source:{person_id}"] = folder / f"source_{person_id}.jpg"
    return inputs


def test_multi_swap_gives_each_person_their_own_source(face_models, two_faces_clip, two_faces,
                                                        multi_inputs, tmp_path):
    analysis = [{"person_id": "P1"}, {"person_id": "P2"}]
    both = run_job(face_models, tmp_path / "both", two_faces_clip, multi_inputs, multi=True,
                   analysis=analysis)
    only_p2_inputs = {k: v for k, v in multi_inputs.items() if k != "source:P1"}
    only_p2 = run_job(face_models, tmp_path / "p2", two_faces_clip, only_p2_inputs, multi=True,
                      analysis=analysis)
    assert set(changed_sides(both, *two_faces)) == {(True, True)}
    # Mapping only P2: the left face is untouched in every frame, the right one always swapped.
    assert set(changed_sides(only_p2, *two_faces)) == {(False, True)}
    # The right face got the same source in both runs, so it looks the same in both.
    _, faces_per_frame = two_faces
    for a, b, faces in zip(decode_frames(both), decode_frames(only_p2), faces_per_frame, strict=True):
        assert mean_difference(a, b, inner_box(faces[1], a.shape)) < UNCHANGED * 2
        assert mean_difference(a, b, inner_box(faces[0], a.shape)) > CHANGED


def test_image_target_gives_an_image_of_the_same_format(face_models, images_dir, read_image, tmp_path):
    source_path = tmp_path / "source.jpg"
    cv2.imwrite(str(source_path), read_image("obama.jpg"))
    png = run_job(face_models, tmp_path / "png", images_dir / "solvay_conference_1927.png",
                  {"source": source_path}, media_type="image", face_selection="all")
    assert png.suffix == ".png" and png.read_bytes()[:4] == b"\x89PNG"
    result = cv2.imread(str(png))
    assert result.shape == (720, 994, 3)  # 720p: shorter side 720, aspect kept, even
    jpeg = run_job(face_models, tmp_path / "jpg", images_dir / "two_people.jpg",
                   {"source": source_path}, media_type="image", gquality="1080p")
    assert jpeg.suffix == ".jpg" and jpeg.read_bytes()[:3] == b"\xff\xd8\xff"
    assert cv2.imread(str(jpeg)).shape == (660, 1126, 3)  # never upscaled; even sides (contract)
    assert sorted(p.name for p in (tmp_path / "jpg").iterdir()) == ["faceswap.jpg"]


def test_no_face_in_the_target_fails_without_output(face_models, read_image, tmp_path):
    source_path = tmp_path / "source.jpg"
    cv2.imwrite(str(source_path), read_image("obama.jpg"))
    blank_video = tmp_path / "blank.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=1", "-pix_fmt", "yuv420p",
               str(blank_video))
    with pytest.raises(PipelineError, match="No face was found in the target video"):
        run_job(face_models, tmp_path / "video", blank_video, {"source": source_path})
    assert not any((tmp_path / "video").iterdir())
    blank_image = tmp_path / "blank.png"
    cv2.imwrite(str(blank_image), np.full((240, 320, 3), 80, np.uint8))
    with pytest.raises(PipelineError, match="No face was found in the target image"):
        run_job(face_models, tmp_path / "image", blank_image, {"source": source_path},
                media_type="image")


def test_no_face_in_the_source_fails_before_any_work(face_models, talking_head_clip, tmp_path):
    source_path = tmp_path / "source.png"
    cv2.imwrite(str(source_path), np.full((240, 320, 3), 80, np.uint8))
    with pytest.raises(PipelineError, match="No face was found in the source image"):
        run_job(face_models, tmp_path / "out", talking_head_clip, {"source": source_path})


def test_cancel_leaves_no_output(face_models, talking_head_clip, read_image, tmp_path):
    source_path = tmp_path / "source.jpg"
    cv2.imwrite(str(source_path), read_image("obama.jpg"))
    calls = {"n": 0}

    def check_cancelled() -> None:
        calls["n"] += 1
        if calls["n"] > 5:
            raise JobCancelled("stopped")

    output_dir = tmp_path / "out"
    ctx = PipelineContext(inputs={"target": talking_head_clip, "source": source_path},
                          options={"gquality": "480p", "media_type": "video"},
                          output_dir=output_dir, models=face_models, check_cancelled=check_cancelled)
    with pytest.raises(JobCancelled):
        faceswap.run(ctx)
    assert list(output_dir.iterdir()) == []


def test_missing_model_is_reported_before_any_work(tmp_path, read_image, images_dir):
    from workers.errors import ModelUnavailable
    from workers.model_zoo.registry import ModelRegistry

    with pytest.raises(ModelUnavailable):
        faceswap.swap_image(ModelRegistry(tmp_path), target=read_image("obama.jpg"),
                            sources=read_image("biden.jpg"))
