from apps.jobs.kinds import Price

from .models import ToyJob

PER_JOB = Price("toy job", 3, "ISAMURAI_PRICE_TOY")


def toy_price(job: ToyJob) -> int:
    return PER_JOB.credits()
