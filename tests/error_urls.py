"""The real URLconf plus one view that crashes, to test the JSON 500 path."""
from django.urls import include, path

from isamurai_server.urls import handler400, handler403, handler404, handler500  # noqa: F401
from isamurai_server.urls import urlpatterns as real_patterns


def crashing_view(request):
    raise RuntimeError("boom: internal detail that must not reach the client")


urlpatterns = [path("api/test-crash/", crashing_view), path("", include(real_patterns))]
