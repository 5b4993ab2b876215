"""Identifiers that are pure functions of ids chosen by a person or a catalog."""

from __future__ import annotations

import hashlib
import sys
import uuid
from collections.abc import Iterable

STIX_NAMESPACE = uuid.UUID("6f1c2f55-3b7e-5c7a-9d4e-2a1b8c0d9e71")
"""threatmodel's own uuid5 namespace for STIX ids (never the STIX SCO namespace)."""


def ref(catalog: str, item: str) -> str:
    """A catalog reference, ``<catalog>:<id>``."""
    return f"{catalog}:{item}"


def split_ref(value: str) -> tuple[str, str]:
    """``owasp-llm:LLM01:2025`` -> ``("owasp-llm", "LLM01:2025")``."""
    catalog, _, item = value.partition(":")
    return catalog, item


def flow_key(flow_id: str | None, source: str, target: str) -> str:
    """How a flow is addressed: its id, else ``<source>-to-<target>`` (model, YAML editor, migrate).
    A derived key is interned: asked of every flow by the graph, the labels and the writers, it was a
    new string each time (about 350,000 of them held at once by a 50,000-component report)."""
    return flow_id if flow_id else sys.intern(f"{source}-to-{target}")


def control_key(control: str, scope: Iterable[str]) -> str:
    """How a declared control is addressed: ``<catalog>:<control>@<scope,...>`` (empty scope:
    system-wide), the same in the editor, the YAML round trip and ``diff``."""
    return f"{control}@{','.join(scope)}"


def finding_id(threat_key: str, element_id: str) -> str:
    """``tm:indirect-prompt-injection@support-llm``."""
    return f"{threat_key}@{element_id}"


def split_finding_id(value: str) -> tuple[str, str]:
    """The threat key and element id of a finding id."""
    threat, _, element = value.rpartition("@")
    return threat, element


TRIAGE_ELEMENT = "triage:"
"""Prefix of the pseudo-element that stands for a triage entry: ``triage:<finding id>``."""


def triage_element(finding: str) -> str:
    """The pseudo-element id of the triage entry for ``finding`` (locatable like any element)."""
    return f"{TRIAGE_ELEMENT}{finding}"


def fingerprint(key: str) -> str:
    """A stable fingerprint (for SARIF ``partialFingerprints``); never involves line numbers."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def stix_id(stix_type: str, key: str) -> str:
    """A deterministic STIX id in threatmodel's namespace."""
    return f"{stix_type}--{uuid.uuid5(STIX_NAMESPACE, f'{stix_type}:{key}')}"
