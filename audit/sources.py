"""Where a request comes from, for the access log.

``REMOTE_ADDR`` as the site's middleware leaves it: behind the production proxy,
``config.middleware.ProxyClientAddressMiddleware`` has already replaced the proxy's address with
the client's (from ``CLIENT_IP_HEADER``, trusted only from ``PROXY_TRUSTED_PEERS``), so a client
cannot choose the address it is logged under and every record names the same address.
"""


def request_source_address(request) -> str:
    """The caller's address as the access log should record it (``request`` is Django's or DRF's)."""
    return request.META.get("REMOTE_ADDR", "")
