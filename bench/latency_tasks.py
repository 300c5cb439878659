"""Worker-side helpers of bench/job_latency.py (loaded with `celery worker -I`)."""
import time

from celery import shared_task

from workers.pipelines.context import PipelineContext, PipelineResult


@shared_task(name="bench.stamp", ignore_result=False)
def stamp_task() -> float:
    """A bare Celery task: the baseline for message latency."""
    return time.time()


def noop_pipeline(ctx: PipelineContext) -> PipelineResult:
    output = ctx.output_dir / "noop.txt"
    output.write_text("ok")
    return PipelineResult(output)
