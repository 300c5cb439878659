from apps.core.routing import api_route

from .apis import UserCreditsApi

urlpatterns = [
    api_route("user-credits/", UserCreditsApi.as_view(), name="user-credits"),
]
