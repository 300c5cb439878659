"""Fallback views that keep unknown /api/ paths and Django-level errors in the JSON shape, with
the status the error table gives each category."""
from django.http import HttpRequest, JsonResponse
from django.views.defaults import bad_request, page_not_found, permission_denied, server_error

from workers.errors import ErrorCategory

from .errors import error_response, is_api_path


def api_not_found(request: HttpRequest, unknown_path: str = "") -> JsonResponse:
    return error_response(
        f"No endpoint at {request.path}. Check the URL against the API documentation.",
        category=ErrorCategory.NOT_FOUND,
    )


def handler404(request: HttpRequest, exception: Exception | None = None):
    if is_api_path(request.path_info):
        return api_not_found(request)
    return page_not_found(request, exception)


def handler500(request: HttpRequest):
    if is_api_path(request.path_info):
        return error_response("The server hit an unexpected error; try again.", category=ErrorCategory.INTERNAL)
    return server_error(request)


def handler400(request: HttpRequest, exception: Exception | None = None):
    if is_api_path(request.path_info):
        return error_response("Bad request: the Host header or the request itself is malformed.",
                              category=ErrorCategory.BAD_INPUT)
    return bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception | None = None):
    if is_api_path(request.path_info):
        return error_response("Forbidden: you are not allowed to do this.", category=ErrorCategory.FORBIDDEN)
    return permission_denied(request, exception)
