"""Shared fixtures. Real services only: the database is whatever DATABASE_URL names."""
import hashlib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Inside the project, so a clone anywhere runs every test (tests/data/README.md: sources, licences).
TESTDATA_DIR = REPO_ROOT / "tests" / "data"


def find_testdata_problems(folder: Path) -> list[str]:
    """Every file SHA256SUMS lists that is missing or differs (empty when the data is whole)."""
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        return [f"{sums} is missing"]
    problems = []
    for line in sums.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        path = folder / name
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{path} differs from SHA256SUMS")
    return problems


@pytest.fixture(scope="session")
def testdata() -> Path:
    """The real model, photos and clips of tests/data, checked against its SHA256SUMS. Missing
    data fails the test: it is never skipped."""
    problems = find_testdata_problems(TESTDATA_DIR)
    if problems:
        pytest.fail("test data is incomplete (restore tests/data from git): " + "; ".join(problems), pytrace=False)
    return TESTDATA_DIR


@pytest.fixture
def make_user(db):
    """Creates a user with `credits` granted through the ledger and a live API key."""
    from apps.accounts.services import api_key_create, user_get_or_create
    from apps.ledger.services import credits_grant

    counter = {"n": 0}

    def _make(username: str | None = None, *, credits: int = 0, plan: str | None = None):
        counter["n"] += 1
        user, _ = user_get_or_create(username=username or f"user{counter['n']}", plan_name=plan)
        if credits:
            credits_grant(user=user, amount=credits, note="test")
        _, full_key = api_key_create(user=user)
        return user, full_key

    return _make


@pytest.fixture
def api_client():
    """A DRF client; call `.credentials(HTTP_AUTHORIZATION=f'Api-Key {key}')` to authenticate."""
    from rest_framework.test import APIClient

    return APIClient()


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    """Tests poll and upload faster than any client should; tests/accounts/test_limits.py sets real limits."""
    settings.ISAMURAI_THROTTLE_READ = "1000000/min"
    settings.ISAMURAI_THROTTLE_CHARGE = "1000000/min"
