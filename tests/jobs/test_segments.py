"""One long video over several GPU workers: two real Celery worker processes (one job at a time
each) on PostgreSQL and the broker, the real face-swap (stand-in models) and slow-motion (optical
flow) pipelines, ISAMURAI_SEGMENT_SECONDS=2.8 on a 6 s clip made of two shots (a cut at frame 96).

The job splits at the cut, both workers run parts, the join's frames, timestamps and audio are
one worker's (the baseline: the same job's pipeline run whole in this process, with the same
marks), cancel stops every part and refunds once, and a part that crashes (the workers run the real
pipelines wrapped by tests/jobs/flaky, whose part 1 crashes on its first run, in every job here)
is run again alone."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import Client

from apps.core.marking import output_marker
from apps.core.model_access import model_registry, pipeline_limits
from apps.core.storage import media_root
from apps.jobs.kinds import job_kind_get
from apps.jobs.models import Job, JobSegment, JobStatus, SegmentStatus
from apps.jobs.selectors import job_concrete_get
from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.standin_models import write_standins
from tests.worker_process import WorkerPool, broker_purge, media_file, wait_finished, wait_for
from workers.pipelines.context import PipelineContext, pipeline_load

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CUT = 96  # the first frame of the second shot
SEGMENT_ENV = {"ISAMURAI_SEGMENT_SECONDS": "2.8", "ISAMURAI_TEST_FLAKY_SEGMENT": "1",
               "ISAMURAI_PIPELINES_JSON": '{"faceswap": "tests.jobs.flaky.faceswap:run", '
                                          '"slowmotion": "tests.jobs.flaky.slowmotion:run"}'}


@pytest.fixture(scope="module")
def standins(tmp_path_factory, testdata) -> Path:
    folder = tmp_path_factory.mktemp("segment_models")
    write_standins(folder, names=["w600k_r50", "inswapper_128"])
    (folder / "det_10g.onnx").write_bytes((testdata / "models" / "det_500m.onnx").read_bytes())
    return folder


@pytest.fixture(scope="module")
def two_workers(django_db_setup, django_db_blocker, standins, tmp_path_factory):
    with django_db_blocker.unblock():
        broker_purge()
    flags = tmp_path_factory.mktemp("flaky_flags")
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(standins), "ISAMURAI_TEST_FLAKY_DIR": str(flags), **SEGMENT_ENV})
    workers = [pool(concurrency=1), pool(concurrency=1)]
    yield workers
    pool.stop_all()


# Which workers take the parts is the broker's doing: Redis (a cluster's) hands the second part to
# the idle worker; the embedded filesystem broker (one host) lets the worker that polls first take
# both, so there the parts' results are checked and not who ran them.
RUNNERS = {2} if settings.CELERY_BROKER_URL != "filesystem://" else {1, 2}


@pytest.fixture(scope="module")
def two_shots(tmp_path_factory, testdata) -> Path:
    """3.2 s of one talking head then 2.8 s of another (30 fps, AAC audio): 180 frames, a cut at 96."""
    videos = testdata / "videos"
    path = tmp_path_factory.mktemp("segment_clips") / "two_shots.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-t", "3.2", "-i", str(videos / "liveportrait_d18.mp4"),
                    "-t", "2.8", "-i", str(videos / "liveportrait_d19.mp4"), "-filter_complex",
                    "[0:v][0:a][1:v][1:a]concat=n=2:v=1:a=1[v][a]", "-map", "[v]", "-map", "[a]",
                    "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory, testdata) -> Path:
    """2 s: under ISAMURAI_SEGMENT_SECONDS."""
    path = tmp_path_factory.mktemp("segment_short") / "short.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(testdata / "videos" / "liveportrait_d18.mp4"),
                    "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", str(path)], check=True)
    return path


@pytest.fixture
def models_here(settings, standins):
    settings.ISAMURAI_MODELS_DIR = standins
    return standins


def _client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content[:500]
    return response.json()


def _swap(client: Client, target: Path, source: Path, **options) -> str:
    with open(target, "rb") as video, open(source, "rb") as photo:
        body = _ok(client.post("/api/full-process-swap/", {"target_media": video, "source_image": photo,
                                                           "gquality": "480p", **options}), 201)
    return body["faceswap"]["id"]


def _frames(path: Path) -> np.ndarray:
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                       "stream=width,height", "-of", "json", str(path)],
                                      capture_output=True, check=True).stdout)["streams"][0]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, probe["height"], probe["width"], 3).astype(np.float32)


def _timestamps(path: Path, stream: str) -> list[str]:
    """Decoded frames' pts of a stream ("v" or "a"), as ffprobe counts them by decoding."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "frame=pts",
                          "-of", "csv=p=0", str(path)], capture_output=True, check=True, text=True).stdout
    return [line.split(",")[0] for line in out.split() if line.split(",")[0]]


def _audio_packets(path: Path) -> str:
    return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a:0", "-c", "copy", "-f", "data",
                           "-"], capture_output=True, check=True).stdout.hex()


def _psnr(first: np.ndarray, second: np.ndarray) -> float:
    mse = float(((first - second) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255 ** 2 / mse)


def _single_worker_output(job_id: str, tmp_path: Path) -> Path:
    """What one worker makes of this very job: its pipeline run whole, here, with the job's own
    options, inputs and marks (the watermark carries the job's id)."""
    job = job_concrete_get(job_id=job_id)
    context = PipelineContext(
        inputs={role: media_root() / relpath for role, relpath in job.inputs.items()},
        options=job.pipeline_options(), output_dir=tmp_path / "single", models=model_registry(),
        limits=pipeline_limits(),
        marker=output_marker(output_id=job.id, provenance=job_kind_get(job.kind).provenance, label=job.label))
    return Path(pipeline_load(job_kind_get(job.kind).pipeline)(context).output)


def _assert_same_as_one_worker(joined: Path, single: Path, segments: list[JobSegment]) -> dict:
    assert _timestamps(joined, "v") == _timestamps(single, "v")  # frame count and timing, by decoding
    assert _timestamps(joined, "a") == _timestamps(single, "a")
    ours, theirs = _frames(joined), _frames(single)
    assert ours.shape == theirs.shape
    # Each part is its own encode, so pixels differ by the encoder's noise only (x264 crf 20:
    # 40-45 dB between two encodes of the same frames); a dropped, doubled or shifted frame at a
    # border, or another face track, would be far below that.
    borders = {}
    for segment in segments[1:]:
        first = segment.start_frame if segment.job.kind == "faceswap" else 2 * segment.start_frame
        borders[first] = [_psnr(ours[i], theirs[i]) for i in range(first - 2, first + 3)]
        assert min(borders[first]) > 35, borders
        shifted = _psnr(ours[first], theirs[first - 1])
        assert shifted < min(borders[first]), "a border frame matches its neighbour better than itself"
    return borders


def test_a_long_face_swap_is_split_at_the_cut_run_by_both_workers_and_matches_one_worker(
        two_workers, make_user, testdata, two_shots, models_here, tmp_path):
    user, key = make_user(credits=100)
    client = _client(key)
    job_id = _swap(client, two_shots, testdata / "images" / "obama.jpg", video_stability="true")
    job = wait_finished(Job.objects.get(pk=job_id), timeout=240)
    assert job.status == JobStatus.DONE, job.error
    body = _ok(client.get("/api/swap-progress/", {"id": job_id}))
    assert body["progress_percentage"] == 100
    segments = list(JobSegment.objects.filter(job_id=job_id).select_related("job"))
    # Split where the shot changes (a keyframe within a quarter segment of 2.8 s), not at 88.
    assert [(s.start_frame, s.end_frame) for s in segments] == [(0, CUT), (CUT, 180)]
    assert [s.read_start for s in segments] == [0, CUT - 30]  # the face swap's warm-up overlap
    assert body["segments"] == [{"index": s.index, "worker": s.worker, "status": "Done"} for s in segments]
    assert len({s.worker for s in segments}) in RUNNERS, "both workers ran a part"
    assert all("@" in s.worker for s in segments)  # Celery node names
    # Segment 1's first run crashed: it alone ran again.
    assert [s.attempts for s in segments] == [1, 2]
    assert job.report["frames"] == 180 and job.report["segments"] == 2

    joined = media_file(body["output_media_url"])
    single = _single_worker_output(job_id, tmp_path)
    _assert_same_as_one_worker(joined, single, segments)
    assert _audio_packets(joined) == _audio_packets(two_shots)  # the source's audio, untouched

    # Charged once; the parts were recorded with the job and are gone now.
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - job.credits_charged
    assert not any(path.startswith("segments/") for path in job.files)
    assert not list(media_root().glob(f"segments/*/*_{job.id.hex[:8]}_*"))


def test_a_long_slow_motion_is_split_and_matches_one_worker(two_workers, make_user, two_shots, models_here,
                                                            tmp_path):
    user, key = make_user(credits=100)
    client = _client(key)
    with open(two_shots, "rb") as video:
        project = _ok(client.post("/api/slowmotion/", {"source_video": video, "slowdown_factor": "2",
                                                         "quality": "480p", "mode": "slowmo"}), 201)["slowmotion"]
    _ok(client.post("/api/faceswap/slowmotion/process/", {"project_id": project["id"]},
                    content_type="application/json"))
    job = wait_finished(Job.objects.get(pk=project["id"]), timeout=240)
    assert job.status == JobStatus.DONE, job.error
    body = _ok(client.get(f"/api/faceswap/slowmotion/progress/{project['id']}/"))
    segments = list(JobSegment.objects.filter(job_id=job.id).select_related("job"))
    assert [(s.start_frame, s.end_frame, s.read_end) for s in segments] == [(0, CUT, CUT + 1), (CUT, 180, 180)]
    assert len(body["segments"]) == 2 and len({s["worker"] for s in body["segments"]}) in RUNNERS
    assert job.report["frames_out"] == 2 * 180 - 1 and job.report["scene_cuts"] == 1

    joined = media_file(body["output_media_url"])
    single = _single_worker_output(str(job.id), tmp_path)
    _assert_same_as_one_worker(joined, single, segments)
    # slowmo slows the audio: the same filter over the whole source, once, as one worker does.
    assert _timestamps(joined, "a") == _timestamps(single, "a")
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - job.credits_charged


def test_stop_job_stops_every_segment_and_refunds_once(two_workers, make_user, testdata, two_shots, models_here):
    user, key = make_user(credits=100)
    client = _client(key)
    job_id = _swap(client, two_shots, testdata / "images" / "biden.jpg")
    wait_for(lambda: JobSegment.objects.filter(job_id=job_id, status=SegmentStatus.PROCESSING,
                                               progress__gt=0).exists(),
             timeout=180, interval=0.1, what="a segment to make progress")
    # The job's progress is the parts' (weighted by the frames each keeps), seen by the poller.
    wait_for(lambda: _ok(client.get("/api/swap-progress/", {"id": job_id}))["progress_percentage"] > 0,
             timeout=60, interval=0.2, what="the job's progress to move")
    # Still the user's one running job: a second one waits while the parts run.
    second = _swap(client, two_shots, testdata / "images" / "biden.jpg")
    assert Job.objects.get(pk=second).dispatch_token is None
    stopped = _ok(client.post("/api/stop-job/", {"id": job_id, "type": "faceswap"}, content_type="application/json"))
    job = Job.objects.get(pk=job_id)
    assert job.status == JobStatus.CANCELLED and stopped["refunded_credits"] == job.credits_charged // 2
    wait_for(lambda: not JobSegment.objects.filter(job_id=job_id, status__in=(
        SegmentStatus.QUEUED, SegmentStatus.PROCESSING)).exists(), timeout=30, what="every segment to stop")
    # The slot passes to the next job; the stopped job's parts (if any was done) are dropped.
    wait_for(lambda: Job.objects.get(pk=second).dispatch_token is not None, timeout=30, what="the next job to start")
    _ok(client.post("/api/stop-job/", {"id": second, "type": "faceswap"}, content_type="application/json"))
    wait_for(lambda: not any(path.startswith("segments/") for path in Job.objects.get(pk=job_id).files),
             timeout=30, what="the stopped job's parts to be dropped")
    # Refunded once, whatever its parts did after the stop.
    assert LedgerEntry.objects.filter(job_id=job_id, kind="refund").count() == 1
    jobs = list(Job.objects.filter(pk__in=[job_id, second]))
    charged = sum(j.credits_charged for j in jobs)
    refunded = sum(j.credits_charged // 2 for j in jobs)
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - charged + refunded
    wait_for(lambda: not JobSegment.objects.filter(job_id=second, status=SegmentStatus.PROCESSING).exists(),
             timeout=60, what="the second job's parts to stop")


def test_a_short_video_runs_whole_as_before(two_workers, make_user, testdata, short_clip, models_here):
    _, key = make_user(credits=100)
    client = _client(key)
    job_id = _swap(client, short_clip, testdata / "images" / "obama.jpg")
    job = wait_finished(Job.objects.get(pk=job_id), timeout=240)
    assert job.status == JobStatus.DONE, job.error
    assert _ok(client.get("/api/swap-progress/", {"id": job_id}))["segments"] == []
    assert not JobSegment.objects.filter(job_id=job_id).exists() and job.attempts == 1
