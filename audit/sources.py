"""Where a request comes from, for the access log.

``REMOTE_ADDR`` is the peer of the connection. Behind a reverse proxy that peer is the proxy, so
when it is one of ``settings.TRUSTED_PROXIES`` the address is taken from ``X-Forwarded-For``
instead: the right-most entry that is not itself a trusted proxy (entries further left were written
by the client and prove nothing). With no trusted proxies the header is ignored, so a client cannot
choose the address it is logged under.
"""
from django.conf import settings


def request_source_address(request) -> str:
    """The caller's address as the access log should record it (``request`` is Django's or DRF's)."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "")
    trusted = set(getattr(settings, "TRUSTED_PROXIES", ()) or ())
    if remote not in trusted:
        return remote
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return remote
