"""The Keap XML-RPC backend: transport, codec, faults, retries, rate limit and schema guard."""

from app.api.xmlrpc.client import XmlRpcClient

__all__ = ["XmlRpcClient"]
