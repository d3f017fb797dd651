"""Site-wide middleware: the client's address as the proxy in front saw it."""
import ipaddress

from django.conf import settings


class ProxyClientAddressMiddleware:
    """Sets ``REMOTE_ADDR`` to the client's address from ``settings.PROXY_CLIENT_ADDRESS_HEADER``
    (production: ``X-Real-IP``, which nginx overwrites with the address of the peer it accepted), so
    access logs, throttles and audit records name the client, not the proxy.

    Trusted only from a peer in ``settings.PROXY_TRUSTED_PEERS`` (nginx on the same host: loopback,
    or ``""`` for gunicorn's Unix socket); a value that is not an IP address is ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = getattr(settings, "PROXY_CLIENT_ADDRESS_HEADER", "")
        self.trusted = frozenset(getattr(settings, "PROXY_TRUSTED_PEERS", ()))

    def __call__(self, request):
        if self.header and request.META.get("REMOTE_ADDR", "") in self.trusted:
            address = _ip(request.META.get(self.header, ""))
            if address:
                request.META["PROXY_PEER_ADDR"] = request.META.get("REMOTE_ADDR", "")
                request.META["REMOTE_ADDR"] = address
        return self.get_response(request)


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
