from apps.core.routing import api_route

from .apis import SlowMotionCreateApi, SlowMotionProcessApi

urlpatterns = [
    api_route("slowmotion/", SlowMotionCreateApi.as_view(), name="slowmotion-create"),
    api_route("faceswap/slowmotion/process/", SlowMotionProcessApi.as_view(), name="slowmotion-process"),
]
