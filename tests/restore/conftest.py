"""The swap tests' worker and data fixtures: these tests run their requests through it."""
from tests.swap.conftest import (  # noqa: F401  (fixtures)
    api_models_dir,
    derived,
    images,
    nothing_left_behind,
    swap_worker,
    videos,
)
