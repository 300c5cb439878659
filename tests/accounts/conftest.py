"""Plan-limit tests use the face swap API's worker, models and media."""
from tests.jobs.conftest import clip, make_job  # noqa: F401  (fixtures)
from tests.swap.conftest import api_models_dir, derived, images, nothing_left_behind, swap_worker, videos  # noqa: F401
