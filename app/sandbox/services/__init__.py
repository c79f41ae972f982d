"""The XML-RPC method handlers; importing this package registers every method."""

from app.sandbox.services import contact, data, other
from app.sandbox.services.base import REGISTRY, Context, MethodSpec, matches

__all__ = ["REGISTRY", "Context", "MethodSpec", "contact", "data", "matches", "other"]
