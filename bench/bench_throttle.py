"""Cost of the per-key rate limit on a cheap request (GET user-credits), against the same
request with throttling switched off, in one run (interleaved rounds, ratio of medians).

    .venv/bin/python -m bench.bench_throttle                         # local-memory cache
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python -m bench.bench_throttle
"""
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))


def main() -> None:
    os.environ.setdefault("ISAMURAI_DATA_DIR", tempfile.mkdtemp(prefix="isamurai-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isamurai_server.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)
    from apps.accounts.services import api_key_create, user_get_or_create

    user, _ = user_get_or_create(username=f"bench-throttle-{os.getpid()}")
    _, key = api_key_create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_HOST="localhost")

    def rate(throttled: bool) -> float:
        # No rate = DRF's throttle returns before touching the cache: the baseline.
        with override_settings(ISAMURAI_THROTTLE_READ="1000000000/min" if throttled else None):
            started = time.perf_counter()
            for _ in range(REQUESTS):
                response = client.get("/api/user-credits/")
                assert response.status_code == 200, response.content
            elapsed = time.perf_counter() - started
        return REQUESTS / elapsed

    rate(True), rate(False)  # warm-up
    with_limit, without = [], []
    for _ in range(ROUNDS):
        with_limit.append(rate(True))
        without.append(rate(False))
    result = {
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "requests_per_round": REQUESTS,
        "throttled_req_per_s": round(statistics.median(with_limit), 1),
        "unthrottled_req_per_s": round(statistics.median(without), 1),
        "ratio": round(statistics.median(with_limit) / statistics.median(without), 3),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
