"""A local Keap (Infusionsoft) XML-RPC emulator with the real quirks, quotas and faults.

It is the embedded server of ``tagdesk --demo``, the peer of every integration test
(real HTTP on loopback) and the stage of every benchmark. Standard library only (plus
``cryptography`` for ``tls=True``); no Qt. See README.md in this folder.
"""

from app.sandbox.sandbox import Sandbox, SandboxConfig

__all__ = ["Sandbox", "SandboxConfig"]
