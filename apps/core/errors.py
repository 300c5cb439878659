"""The contract's error body, built in one place for views, handlers and middleware."""
from typing import Any

from django.http import JsonResponse


def error_body(message: str, *, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "success": False}
    if details:
        body["details"] = details
    return body


def error_response(message: str, *, status: int, details: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse(error_body(message, details=details), status=status)


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")
