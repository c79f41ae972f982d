"""TagDesk: a desktop workbench for Keap (Infusionsoft) contacts and tags."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("tagdesk")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"
