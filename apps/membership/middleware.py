"""ISAMURAI_STAFF_2FA: staff reach the admin only with TOTP two-factor set up."""
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect


class StaffTwoFactorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (settings.ISAMURAI_STAFF_2FA and user is not None and user.is_authenticated and user.is_staff
                and request.path.startswith("/" + settings.ISAMURAI_ADMIN_PATH)
                and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()):
            messages.warning(request, "Staff must set up two-factor authentication before using the admin.")
            return redirect("mfa_activate_totp")
        return self.get_response(request)
