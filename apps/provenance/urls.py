from apps.core.routing import api_route

from .apis import VerifyApi

urlpatterns = [
    api_route("verify/", VerifyApi.as_view(), name="verify"),
]
