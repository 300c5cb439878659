"""Media pipelines: ``run(ctx: PipelineContext) -> Path`` functions the job engine calls."""
