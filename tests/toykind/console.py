from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from apps.console.pages import SERVICE_ERRORS, job_submitted, service_error_text
from apps.jobs.kinds import DetailRow

from .models import ToyJob
from .services import toy_job_create


class ToyForm(forms.Form):
    word = forms.CharField(max_length=32)


@require_http_methods(["GET", "POST"])
@login_required
def toy_new(request: HttpRequest) -> HttpResponse:
    form = ToyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = toy_job_create(user=request.user, word=form.cleaned_data["word"])
        except SERVICE_ERRORS as exc:
            form.add_error(None, service_error_text(exc))
        else:
            return job_submitted(request, job)
    return render(request, "console/toy_new.html", {"form": form})


def toy_detail_rows(job: ToyJob) -> list[DetailRow]:
    return [DetailRow("Word", job.word)]
