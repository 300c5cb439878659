"""Console pages of the account's lifecycle: download my data, delete my account."""
import tempfile

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import error_status
from workers.errors import ErrorCategory

from .forms import AccountDeleteForm
from .selectors import account_data_zip_write
from .services import account_delete


def account_data_response(*, user: User) -> FileResponse:
    """The "download my data" zip as an attachment (also the admin's action)."""
    spool = tempfile.TemporaryFile()
    account_data_zip_write(user=user, into=spool)
    spool.seek(0)
    name = f"isamurai-data-{user.username}-{timezone.now():%Y%m%d-%H%M%S}.zip"
    return FileResponse(spool, as_attachment=True, filename=name, content_type="application/zip")


@require_POST
@login_required
def data_export(request: HttpRequest) -> FileResponse:
    return account_data_response(user=request.user)


@require_http_methods(["GET", "POST"])
@login_required
def account_delete_view(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and not ratelimit.consume(request, action="reauthenticate", user=request.user):
        # The password check is a way to guess it from a borrowed session: allauth's limit for
        # re-entering a password applies.
        form.add_error(None, "Too many attempts; wait a minute and try again.")
        return render(request, "membership/account_delete.html", {"form": form},
                      status=error_status(ErrorCategory.THROTTLED))
    if request.method == "POST" and form.is_valid():
        account_delete(user=request.user)
        logout(request)
        messages.success(request, "Your account and its files were deleted. Goodbye.")
        return redirect("console:login")
    return render(request, "membership/account_delete.html", {"form": form})
