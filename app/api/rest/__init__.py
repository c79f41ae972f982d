"""The Keap REST v2 backend's client: transport, replies, retries, quota and rate limit."""

from app.api.rest.client import RestClient
from app.api.rest.transport import KEAP_REST_URL, RestAuth

__all__ = ["KEAP_REST_URL", "RestAuth", "RestClient"]
