from django.urls import re_path


def api_route(route: str, view, name: str):
    """A route under /api/ matched with or without its trailing slash, as the contract says."""
    return re_path(rf"^{route.rstrip('/')}/?$", view, name=name)
