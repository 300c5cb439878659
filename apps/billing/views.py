"""The console's billing pages: public pricing, buying (a redirect to Stripe Checkout), the
Customer Portal, receipts and the usage history as CSV. Thin views over services/selectors."""
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.selectors import plan_for_user_get, plans_public_list
from apps.console.pages import error_page
from apps.core.exceptions import ApplicationError
from apps.ledger.selectors import credit_balance_get

from .selectors import (
    packages_for_sale_list,
    payment_get_for_user,
    payments_list_for_user,
    subscription_current_get,
    usage_csv_lines,
)
from .services import billing_portal_start, checkout_package_start, checkout_plan_start
from .stripe_api import stripe_enabled


@require_GET
def pricing(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    return render(request, "billing/pricing.html", {
        "plans": plans_public_list(),
        "packages": packages_for_sale_list(),
        "payments_enabled": stripe_enabled(),
        "current_plan": plan_for_user_get(user=user) if user else None,
        "subscription": subscription_current_get(user=user) if user else None,
    })


def _urls(request: HttpRequest) -> dict[str, str]:
    done = request.build_absolute_uri(reverse("billing:checkout-done"))
    return {"success_url": done + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": request.build_absolute_uri(reverse("billing:pricing"))}


@require_POST
@login_required
def checkout_package(request: HttpRequest, package_id: int) -> HttpResponse:
    try:
        url = checkout_package_start(user=request.user, package_id=package_id, **_urls(request))
    except ApplicationError as exc:
        messages.error(request, exc.user_message)
        return redirect("billing:pricing")
    return redirect(url)


@require_POST
@login_required
def checkout_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    try:
        url = checkout_plan_start(user=request.user, plan_id=plan_id, **_urls(request))
    except ApplicationError as exc:
        messages.error(request, exc.user_message)
        return redirect("billing:pricing")
    return redirect(url)


@require_GET
@login_required
def checkout_done(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Thank you: the payment went through. The credits appear as soon as Stripe "
                              "confirms it (usually within seconds); reload this page to see them.")
    return redirect(reverse("console:profile") + "#billing")


@require_POST
@login_required
def portal(request: HttpRequest) -> HttpResponse:
    try:
        url = billing_portal_start(user=request.user,
                                   return_url=request.build_absolute_uri(reverse("console:profile")))
    except ApplicationError as exc:
        messages.error(request, exc.user_message)
        return redirect(reverse("console:profile") + "#billing")
    return redirect(url)


@require_GET
@login_required
def receipts(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/receipts.html", {"payments": payments_list_for_user(user=request.user)})


@require_GET
@login_required
def receipt(request: HttpRequest, payment_id: uuid.UUID) -> HttpResponse:
    try:
        payment = payment_get_for_user(user=request.user, payment_id=payment_id)
    except ApplicationError as exc:
        return error_page(request, exc)  # the table's status for the error's category
    balance = credit_balance_get(user=request.user)
    return render(request, "billing/receipt.html", {"payment": payment, "balance": balance})


@require_GET
@login_required
def usage_csv(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(usage_csv_lines(user=request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credits-{request.user.pk}.csv"'
    return response
