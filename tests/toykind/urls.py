from apps.core.routing import api_route

from .apis import ToyCreateApi

urlpatterns = [api_route("toy/", ToyCreateApi.as_view(), name="toy-create")]
