from django import template

from apps.jobs.kinds import ConsolePage, all_kinds, job_kind_for_name
from apps.ledger.selectors import credit_balance_get

register = template.Library()


@register.simple_tag(takes_context=True)
def credit_balance(context) -> int:
    user = context["request"].user
    return credit_balance_get(user=user) if user.is_authenticated else 0


@register.simple_tag
def kind_pages() -> list[ConsolePage]:
    """Every registered kind's console pages, in INSTALLED_APPS order: the navigation and the
    jobs list's buttons are drawn from these."""
    return [page for spec in all_kinds() for page in spec.console]


@register.filter
def status_class(status: str) -> str:
    return f"status-{str(status).lower()}"


@register.filter
def has_job_page(job_kind: str) -> bool:
    """Whether a ledger entry's ``job_kind`` names a queued kind (its id is a job with a page),
    rather than an instant output (a preview, a restore)."""
    return job_kind_for_name(job_kind) is not None
