"""The worker side of the engine's start check (apps.jobs.services.job_start_check): a fast
worker's model registry answers whether the models a job's options need are installed."""
from apps.core.model_access import model_registry


def models_require(*, names: list[str]) -> dict:
    """ModelUnavailable (503 naming it and its install command) for the first of ``names`` missing."""
    model_registry().require(names)
    return {}
