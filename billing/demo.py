"""This app's part of `manage.py seed_demo`: idempotent (running it twice
changes nothing), called after the organisation, work orders and complaints
exist. `people` maps the demo usernames to users (agent, dispatcher,
supervisor, handler, manager, hr, partner, partner2, telephony, admin)."""


def seed(*, people, rng, stdout):
    """Nothing to seed yet."""
