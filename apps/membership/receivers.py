from .services import signup_credits_grant


def signup_credits_on_email_confirmed(sender, *, request, email_address, **kwargs) -> None:
    signup_credits_grant(user=email_address.user)
