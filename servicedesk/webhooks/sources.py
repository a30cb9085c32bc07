"""What a delivery's `data` is: the object as the API shows it to the
partner. Each app that emits events registers, in its AppConfig.ready(),
how its objects are serialised for a user (`register`); the outbox calls it.
This keeps the webhooks package free of imports of the domain apps."""

from collections.abc import Callable

_serializers: dict[str, Callable] = {}


def register(model, serialize: Callable) -> None:
    """`serialize(obj, user) -> dict`: the object as `user` sees it in the API."""
    _serializers[model._meta.label_lower] = serialize


def serialize(obj, user) -> dict:
    return _serializers[obj._meta.label_lower](obj, user)
