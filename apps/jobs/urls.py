from django.urls import re_path

from apps.core.routing import api_route

from .apis import JobDetailApi, MediaApi, StopJobApi

# Each kind's own routes (create, process, progress) are in its app's urls.
urlpatterns = [
    api_route("stop-job/", StopJobApi.as_view(), name="stop-job"),
    re_path(r"^jobs/(?P<job_id>[^/]+)/?$", JobDetailApi.as_view(), name="job-detail"),
    re_path(r"^media/(?P<path>.+)$", MediaApi.as_view(), name="media"),
]
