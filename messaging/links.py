"""Links other apps put into the messages, by name, registered from their
AppConfig.ready (messaging never imports them): `register("survey",
fn)` with `fn(order) -> absolute URL or None`. The signed_off message
carries the survey link when one is registered and answers; otherwise the
link is left out of the text."""

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

_links: dict[str, Callable] = {}


def register(name: str, make_url: Callable) -> None:
    _links[name] = make_url


def url_for(name: str, order) -> str | None:
    """The registered link for `order`, or None (nothing registered, or the
    maker failed: a message without its link is better than no message, and
    the action must not fail)."""
    make_url = _links.get(name)
    if make_url is None:
        return None
    try:
        return make_url(order) or None
    except Exception:  # noqa: BLE001 - the link is optional, the action is not
        log.exception("the %s link of order %s could not be made", name, order.pk)
        return None
