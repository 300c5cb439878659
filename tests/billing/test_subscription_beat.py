"""A real worker (`-Q gpu,fast,webhooks -B`): its beat runs billing.subscriptions_end on the fast queue and
drops a cancelled subscription whose paid period ended to the default plan."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.billing.models import Subscription
from tests.jobs.conftest import workers  # noqa: F401  (fixture)
from tests.worker_process import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_beat_ends_cancelled_subscriptions_at_the_end_of_their_period(workers, make_user, plans):  # noqa: F811
    free, pro = plans
    user, _ = make_user(plan=pro.name)
    ended = Subscription.objects.create(user=user, plan=pro, stripe_subscription_id="sub_beat", status="canceled",
                                        ends_at=timezone.now() - timedelta(seconds=1))
    workers(concurrency=1, ISAMURAI_BILLING_SWEEP_SECONDS="1")
    wait_for(lambda: User.objects.get(pk=user.pk).plan_id == free.pk, timeout=60, what="the default plan")
    ended.refresh_from_db()
    assert ended.ended
