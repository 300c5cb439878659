from django.urls import re_path

from apps.core.routing import api_route

from .apis import JobDetailApi, MediaApi, SlowMotionProgressApi, StopJobApi, SwapProgressApi

urlpatterns = [
    api_route("swap-progress/", SwapProgressApi.as_view(), name="swap-progress"),
    api_route("stop-job/", StopJobApi.as_view(), name="stop-job"),
    re_path(r"^faceswap/slowmotion/progress/(?P<project_id>[^/]+)/?$", SlowMotionProgressApi.as_view(),
            name="slowmotion-progress"),
    re_path(r"^jobs/(?P<job_id>[^/]+)/?$", JobDetailApi.as_view(), name="job-detail"),
    re_path(r"^media/(?P<path>.+)$", MediaApi.as_view(), name="media"),
]
