"""threatmodel: security-by-design threat modeling for AI systems.

Kept import-light on purpose: importing ``threatmodel.model`` must not pull in
YAML, Textual or Rich (checked by tests/test_architecture.py).
"""

from __future__ import annotations

__version__ = "0.1.0"
