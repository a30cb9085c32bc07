"""Technician scorecards (seeds/004 服务人员考核; issue 19 item 4): the seven
criteria from the month's data with the formula, the grade from configurable
bands, rewards and penalties recorded by a supervisor with their reason,
kept as history."""

import datetime

import pytest

from measures import scorecards
from measures.models import ScorecardEntry
from measures.scope import month_scope
from tests.test_measures import month  # noqa: F401 - the shared November fixture


def test_the_card_from_the_months_data(month, settings):  # noqa: F811
    card = scorecards.scorecard(month["tech"], month_scope("2026-11"))
    by_key = {c.key: c for c in card["criteria"]}
    assert [c.key for c in card["criteria"]] == [
        "attitude", "skill", "speed", "rating", "errors", "incidents", "compliance"]
    # A signed off but revisited: 0 of 1 fixed the first time.
    assert (by_key["skill"].value, by_key["skill"].score) == ("0/1", 0.0)
    # A and C: respond and arrive met; 4 of 4.
    assert (by_key["speed"].value, by_key["speed"].score) == ("4/4", 100.0)
    # No survey connected: the sign-off score (5) stands for the customers' evaluation.
    assert by_key["rating"].score == 100.0
    assert (by_key["errors"].value, by_key["errors"].score) == ("1/1", 0.0)
    assert (by_key["incidents"].value, by_key["incidents"].score) == ("1", 75.0)
    assert by_key["attitude"].score is None and by_key["compliance"].score is None
    # Mean of the five with data: (0 + 100 + 100 + 0 + 75) / 5.
    assert card["score"] == 55.0 and card["grade"] == "E"
    settings.MEASURES_SCORECARD_GRADES = [(50, "合格"), (0, "不合格")]
    settings.MEASURES_SCORECARD_WEIGHTS = {"speed": 3}
    card = scorecards.scorecard(month["tech"], month_scope("2026-11"))
    assert card["score"] == round((0 + 300 + 100 + 0 + 75) / 7, 1) and card["grade"] == "合格"


def test_pages_and_a_penalty_with_its_reason(month, client, supervisor):  # noqa: F811
    client.force_login(supervisor)
    r = client.get("/measures/scorecards/", {"month": "2026-11"})
    assert r.status_code == 200 and f"/measures/scorecards/{month['tech'].pk}/?month=2026-11" in r.content.decode()
    url = f"/measures/scorecards/{month['tech'].pk}/"
    r = client.get(url, {"month": "2026-11"})
    assert r.status_code == 200 and "first-time fixes ÷ orders signed off × 100" in r.content.decode()
    r = client.post(url, {"month": "2026-11", "kind": "penalty", "amount": "50", "reason": ""})
    assert r.status_code == 400 and not ScorecardEntry.objects.exists()
    r = client.post(url, {"month": "2026-11", "kind": "penalty", "amount": "50", "reason": "态度差，被投诉"})
    assert r.status_code == 302
    entry = ScorecardEntry.objects.get()
    assert (entry.kind, entry.month, entry.by, entry.reason) == (
        "penalty", datetime.date(2026, 11, 1), supervisor, "态度差，被投诉")
    assert "态度差，被投诉" in client.get(url, {"month": "2026-11"}).content.decode()
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_only_supervisors_and_managers(month, client, dispatcher):  # noqa: F811
    client.force_login(dispatcher)
    assert client.get("/measures/scorecards/").status_code == 403
    r = client.post(f"/measures/scorecards/{month['tech'].pk}/", {"kind": "reward", "reason": "好"})
    assert r.status_code == 403 and not ScorecardEntry.objects.exists()
