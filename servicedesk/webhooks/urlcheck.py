"""A hook's URL is http or https and, unless allowed by the setting
SERVICEDESK_WEBHOOKS_ALLOW_PRIVATE (on with DEBUG and in the tests), never a
private, loopback, link-local or otherwise reserved address (contract:
Partner webhooks): a partner must not make the server call into its own
network. Checked when a hook is saved and again before every delivery, as a
name may resolve elsewhere later."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UrlRefused(ValueError):
    pass


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> None:
    """Raise UrlRefused with a message a partner's developer can act on."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UrlRefused(_("The URL must start with http:// or https://."))
    if not parts.hostname:
        raise UrlRefused(_("The URL has no host."))
    if parts.username or parts.password:
        raise UrlRefused(_("The URL must not carry a user name or password."))
    if settings.SERVICEDESK_WEBHOOKS_ALLOW_PRIVATE or not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlRefused(_("The host “%(host)s” cannot be resolved.") % {"host": parts.hostname}) from exc
    for info in infos:
        if not _public(info[4][0]):
            raise UrlRefused(_("The host “%(host)s” is a private or loopback address, which is not allowed.")
                             % {"host": parts.hostname})
