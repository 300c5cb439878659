"""The Stripe webhook endpoint: verifies the signature, then handles each event once (in this web
process, in the event's own transaction). A 400 for anything unsigned; a 500 makes Stripe retry."""
import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from stripe import SignatureVerificationError

from apps.core.errors import error_response

from .services import stripe_event_process
from .stripe_api import stripe_enabled, stripe_event_verify

logger = logging.getLogger(__name__)


@csrf_exempt  # Stripe signs the body instead; there is no session
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    if not stripe_enabled():
        return error_response("Payments are not enabled on this server.", status=404)
    try:
        event = stripe_event_verify(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except SignatureVerificationError as exc:
        logger.warning("stripe webhook: refused an event: %s", exc)
        return error_response("The Stripe-Signature header does not match this endpoint's signing secret, "
                              "or its timestamp is too old.", status=400)
    except ValueError:
        return error_response("The body is not a Stripe event (JSON).", status=400)
    if not isinstance(event, dict) or "id" not in event or "data" not in event:
        return error_response("The body is not a Stripe event.", status=400)
    handled = stripe_event_process(event=event)
    return JsonResponse({"received": True, "duplicate": not handled})
