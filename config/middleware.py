"""Site-wide middleware: the client's address as the proxy in front saw it."""
import ipaddress

from django.conf import settings


class ProxyClientAddressMiddleware:
    """Sets ``REMOTE_ADDR`` to the client's address from the ``settings.CLIENT_IP_HEADER`` header
    (production: ``X-Real-IP``, which nginx overwrites with the address of the peer it accepted), so
    access logs, throttles, audit records and the sign-in lockout name the client, not the proxy.

    Trusted only from a peer in ``settings.PROXY_TRUSTED_PEERS`` (nginx on the same host: loopback,
    or ``""`` for gunicorn's Unix socket), and only if it holds one IP address. From any other peer
    the header is removed, so nothing after this middleware can take a client's claim for the proxy's.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        header = getattr(settings, "CLIENT_IP_HEADER", "")
        self.key = "HTTP_" + header.upper().replace("-", "_") if header else ""
        self.trusted = frozenset(getattr(settings, "PROXY_TRUSTED_PEERS", ()))

    def __call__(self, request):
        if self.key and self.key in request.META:
            claimed = request.META.pop(self.key)
            peer = request.META.get("REMOTE_ADDR", "")
            address = _ip(claimed) if peer in self.trusted else None
            if address:
                request.META[self.key] = address
                request.META["PROXY_PEER_ADDR"] = peer
                request.META["REMOTE_ADDR"] = address
        return self.get_response(request)


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
