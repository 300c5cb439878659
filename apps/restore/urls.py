from django.urls import re_path

from apps.core.routing import api_route

from .apis import GallerySourceDetailApi, GallerySourcesApi, RestoreImageApi

urlpatterns = [
    api_route("restore-image/", RestoreImageApi.as_view(), name="restore-image"),
    api_route("gallery/sources/", GallerySourcesApi.as_view(), name="gallery-sources"),
    re_path(r"^gallery/sources/(?P<source_id>[^/]+)/?$", GallerySourceDetailApi.as_view(), name="gallery-source"),
]
