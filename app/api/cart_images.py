"""Product images from an account's legacy cart, for both protocols.

Neither API hands out a product's image bytes in a form the app can show cheaply, but
the account's legacy cart does: ``<cart>/cart/productImage?id=N``, over plain HTTP(S),
without a key and without a content type. So an image is recognised by its bytes
(:func:`app.core.linked.sniff_image`), never by a header, and anything too big or not
an image is treated as "no image". The XML-RPC and the REST v2 records backends share
this; only where the cart lives differs (:func:`cart_base_url`).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests

from app import __version__
from app.api import errors as e
from app.api.http_common import ThreadSessions
from app.core.cancel import Cancellable
from app.core.linked import sniff_image

log = logging.getLogger("app.api.records")

#: Hosts of Keap's shared endpoints; there the cart lives on the account's own host.
SHARED_API_HOSTS = frozenset({"api.infusionsoft.com", "api.keap.com"})
PRODUCT_IMAGE_PATH = "/cart/productImage"
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def cart_base_url(endpoint_url: str, app_name: str | None = None) -> str | None:
    """Where the account's legacy cart lives, from the API's endpoint or base URL.

    A per-app endpoint (``https://ab123.infusionsoft.com/api/xmlrpc``) or a local
    sandbox (XML-RPC or REST base URL alike) serves the cart on its own host. The shared
    endpoints do not: there the cart is ``https://<app name>.infusionsoft.com``, so the
    app name is needed (None until it is known).
    """
    parts = urlsplit(endpoint_url)
    host = (parts.hostname or "").lower()
    if host in SHARED_API_HOSTS:
        return f"https://{app_name}.infusionsoft.com" if app_name else None
    return f"{parts.scheme}://{parts.netloc}"


def app_name_of_cart(base_url: str | None) -> str | None:
    """The app name a cart URL implies (``https://ab123.infusionsoft.com`` -> ``ab123``), else None."""
    host = (urlsplit(base_url or "").hostname or "").lower()
    for suffix in (".infusionsoft.com", ".keap.app"):
        if host.endswith(suffix) and host.count(".") == suffix.count("."):
            return host[: -len(suffix)] or None
    return None


class CartImages:
    """Fetches product images with one plain HTTP session per thread (no key: the cart needs none).

    ``verify`` is the same CA choice as the API client's, so a TLS-inspecting network
    that works for the API works for images too.
    """

    def __init__(self, verify: str, *, timeout: tuple[float, float] = (5.0, 15.0)) -> None:
        self._sessions = ThreadSessions({"User-Agent": f"TagDesk/{__version__}"}, ca_bundle=verify)
        self.timeout = timeout

    def fetch(self, base_url: str, product_id: int, cancel: Cancellable) -> bytes | None:
        """The image's bytes, or None when the product has none (or it is not a usable image)."""
        if cancel.is_cancelled():
            raise e.CancelledError()
        url = f"{base_url.rstrip('/')}{PRODUCT_IMAGE_PATH}"
        try:
            with self._sessions.get().get(url, params={"id": int(product_id)}, timeout=self.timeout,
                                          stream=True, allow_redirects=True) as resp:
                if resp.status_code != 200:
                    return None
                data = resp.raw.read(MAX_IMAGE_BYTES + 1, decode_content=True)
        except requests.RequestException as exc:
            log.info("product %s image not fetched: %s", product_id, type(exc).__name__)
            return None
        if len(data) > MAX_IMAGE_BYTES or sniff_image(data) is None:
            return None  # too big, or not an image we recognise by its bytes
        return bytes(data)

    def close(self) -> None:
        self._sessions.close()
