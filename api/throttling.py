"""Per-caller request limits (DRF throttles) on a fixed window counted in Django's cache.

DRF's ``SimpleRateThrottle`` keeps every request's timestamp in one cache value,
which costs O(rate) per request at the thousands-per-minute rates agencies need;
a counter per caller and window costs one ``incr``. The limit is per agency (so
rotating a token does not reset it) and per official.

With the cache unavailable (Redis down: ``REDIS_CACHE_OPTIONS`` turns its errors into misses) the
throttles fail *open*: every caller they limit is already authenticated, named in every record it
writes and limited by its permissions, so the limit guards capacity and fairness, not access; refusing
every agency while Redis is down would stop the register taking reports for a cache's sake. A warning
is logged (at most once a minute per process) so that the outage is seen.
"""
import logging
import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from api.authentication import request_agency

logger = logging.getLogger(__name__)

DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
WARN_EVERY_SECONDS = 60
_last_warning = 0.0


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """'600/min' -> (600, 60); None or '' -> None (no limit)."""
    if not rate:
        return None
    count, period = rate.split("/")
    return int(count), DURATIONS[period.strip()[0]]


class FixedWindowThrottle(BaseThrottle):
    """At most N requests per caller per window; ``wait()`` is the time to the next window."""

    scope = ""

    def __init__(self):
        self._wait = 0.0

    def caller(self, request) -> str | None:
        agency = request_agency(request)
        if agency is not None:
            return f"agency:{agency.pk}"
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return None

    def allow_request(self, request, view):
        limits = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))
        caller = self.caller(request)
        if limits is None or caller is None:
            return True
        limit, duration = limits
        now = time.time()
        window = int(now // duration)
        key = f"throttle:{self.scope}:{caller}:{duration}:{window}"
        count = _count(key, duration + 1)
        if count is None:
            _warn_cache_unavailable()
            return True
        if count <= limit:
            return True
        self._wait = (window + 1) * duration - now
        return False

    def wait(self):
        return self._wait


def _count(key: str, timeout: int) -> int | None:
    """Add one to the window's counter and return it: one cache round trip once the window has begun.
    None when the cache cannot count (it answers None instead of raising when Redis is down)."""
    try:
        return cache.incr(key)
    except ValueError:  # first request of the window
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)  # another worker started it in between


def _warn_cache_unavailable() -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning("The cache cannot count requests: API throttles are letting every request through.")


class CallerThrottle(FixedWindowThrottle):
    """Every API request of one agency or official."""

    scope = "caller"


class BatchThrottle(FixedWindowThrottle):
    """Batch requests, limited separately because each carries up to 1,000 reports."""

    scope = "batch"
