"""The test settings: the project's, plus the toy job kind of tests/toykind (the proof that a
kind is one app: installing it is the only edit). pytest.ini names this module; the worker
subprocesses inherit it through DJANGO_SETTINGS_MODULE."""
from isamurai_server.settings import *  # noqa: F403
from isamurai_server.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.toykind"]
