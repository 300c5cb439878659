"""Shared fixtures. Real services only: the database is whatever DATABASE_URL names."""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTDATA_DIR = Path(os.environ.get("ISAMURAI_TESTDATA", REPO_ROOT.parent / "shared" / "testdata"))


@pytest.fixture(scope="session")
def testdata() -> Path:
    """The real models, photos and clips of ../shared/testdata (ISAMURAI_TESTDATA)."""
    if not TESTDATA_DIR.is_dir():
        pytest.skip(f"real test data not found at {TESTDATA_DIR} (set ISAMURAI_TESTDATA)")
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
    """Tests poll and upload faster than any client should; tests/api/test_limits.py sets real limits."""
    settings.ISAMURAI_THROTTLE_READ = "1000000/min"
    settings.ISAMURAI_THROTTLE_CHARGE = "1000000/min"
