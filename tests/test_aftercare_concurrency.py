"""Two answers of one order's survey at once (the agent on the phone and the
customer through the link): one wins, the other gets 409, one survey, one
follow-up (contract: Conventions, Satisfaction). PostgreSQL."""

import pytest

from aftercare.models import LowScoreFollowUp, Survey
from tests.concurrency import at_once
from tests.conftest import api_for
from tests.test_aftercare_survey import GOOD, signed_off_order


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_five_surveys_at_once_make_one(postgres, agent, supervisor, dispatcher, tech1, category):
    oid = signed_off_order(agent, dispatcher, tech1, category)
    low = {**GOOD, "overall": 1}

    def answer(user):
        return lambda: api_for(user).post(f"/api/v1/work-orders/{oid}/survey/", low, format="json")

    answers = at_once(*[answer(agent), answer(supervisor)] * 3)

    assert sorted(r.status_code for r in answers) == [201] + [409] * 5
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"survey_done"}
    assert Survey.objects.filter(order_id=oid).count() == 1
    assert LowScoreFollowUp.objects.count() == 1
