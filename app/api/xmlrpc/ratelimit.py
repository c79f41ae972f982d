"""The rate limiter moved to :mod:`app.api.ratelimit`, shared with the REST client.

Re-exported here so existing imports keep working.
"""

from app.api.ratelimit import MINUTE, SECOND, Limits, RateLimiter

__all__ = ["MINUTE", "SECOND", "Limits", "RateLimiter"]
