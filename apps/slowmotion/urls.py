from django.urls import re_path

from apps.core.routing import api_route

from .apis import SlowMotionCreateApi, SlowMotionProcessApi, SlowMotionProgressApi

urlpatterns = [
    api_route("slowmotion/", SlowMotionCreateApi.as_view(), name="slowmotion-create"),
    api_route("faceswap/slowmotion/process/", SlowMotionProcessApi.as_view(), name="slowmotion-process"),
    re_path(r"^faceswap/slowmotion/progress/(?P<project_id>[^/]+)/?$", SlowMotionProgressApi.as_view(),
            name="slowmotion-progress"),
]
