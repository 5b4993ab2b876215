#!/usr/bin/env python3
"""Generate ``catalogs/atlas.yaml`` from MITRE ATLAS (``atlas/ATLAS.yaml``, 5.x format).

Only facts are taken: ids, names, tactic membership, sub-technique parents and the
mitigation-to-technique links. ATLAS descriptions are not copied, so every
``summary`` is left empty and readers follow the ``url`` for the text.

Known upstream quirks handled here (ATLAS 5.6.0):

* AML.M0018 and AML.M0034 carry their AML.T0052.001 link inside ``ml-lifecycle``
  (a mapping among strings) instead of ``techniques``; such mappings are moved.
* AML.M0002 and AML.M0004 list AML.T0043.001 twice; duplicates are dropped.

Usage: ``python scripts/import_atlas.py [--reference DIR] [--check]``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from catalog_gen import CATALOG_DIR, Catalog, load_yaml, main, render

OUTPUT = CATALOG_DIR / "atlas.yaml"
EXPECTED_VERSION = "5.6.0"
PUBLISHED = dt.date(2026, 4, 30)
"""Release date of ATLAS 5.6.0 (atlas-data commit "ATLAS 5.6.0", also the newest
``modified_date`` in the data; checked below)."""
SITE = "https://atlas.mitre.org"
UPSTREAM_REPO = "https://github.com/mitre-atlas/atlas-data"
UPSTREAM_COMMIT = "8ee2c689a7d3c65ddf2bfe4950a4f3ecffa6f48b"

HEADER = f"""\
generated from MITRE ATLAS {EXPECTED_VERSION} by scripts/import_atlas.py — do not edit
upstream: {UPSTREAM_REPO} dist/ATLAS.yaml @ {UPSTREAM_COMMIT} (tag v5.6.1, data version {EXPECTED_VERSION})
licence: Apache-2.0, Copyright 2021-2025 MITRE. Ids, names and mappings only; no ATLAS descriptions.
"""


def _techniques_of(mitigation: dict[str, Any]) -> list[str]:
    """Technique ids a mitigation links to, in source order, without duplicates."""
    links: list[Any] = list(mitigation.get("techniques") or [])
    # ATLAS 5.6.0 misplaces some links inside ml-lifecycle; recover them.
    links += [item for item in mitigation.get("ml-lifecycle") or [] if isinstance(item, dict)]
    out: list[str] = []
    for link in links:
        tid = link["id"] if isinstance(link, dict) else str(link)
        if tid not in out:
            out.append(tid)
    return out


def build(reference: Path) -> str:
    """The text of ``catalogs/atlas.yaml`` generated from ``reference/atlas/ATLAS.yaml``."""
    data = load_yaml(reference / "atlas" / "ATLAS.yaml")
    if str(data.get("version")) != EXPECTED_VERSION:
        raise ValueError(f"expected ATLAS {EXPECTED_VERSION}, found {data.get('version')}")
    matrices = data["matrices"]
    if len(matrices) != 1:
        raise ValueError(f"expected one ATLAS matrix, found {len(matrices)}")
    matrix = matrices[0]

    newest = max(obj["modified_date"] for key in ("tactics", "techniques", "mitigations") for obj in matrix[key])
    if newest > PUBLISHED:
        raise ValueError(f"data modified on {newest}, after the pinned release date {PUBLISHED}")

    tactic_ids = [t["id"] for t in matrix["tactics"]]
    techniques: dict[str, dict[str, Any]] = {t["id"]: t for t in matrix["techniques"]}

    entries: list[dict[str, Any]] = []
    for tactic in matrix["tactics"]:
        entries.append(
            {
                "id": tactic["id"],
                "title": tactic["name"],
                "type": "tactic",
                "url": f"{SITE}/tactics/{tactic['id']}",
            }
        )

    for tech in matrix["techniques"]:
        parent_id = tech.get("subtechnique-of")
        if parent_id is not None:
            if parent_id not in techniques:
                raise ValueError(f"{tech['id']}: parent {parent_id} is not a technique")
            if "tactics" in tech:
                raise ValueError(f"{tech['id']}: a sub-technique with its own tactics")
            tactics = list(techniques[parent_id].get("tactics") or [])
        else:
            tactics = list(tech.get("tactics") or [])
        if not tactics:
            raise ValueError(f"{tech['id']}: no tactic")
        unknown = [t for t in tactics if t not in tactic_ids]
        if unknown:
            raise ValueError(f"{tech['id']}: unknown tactics {unknown}")
        entry: dict[str, Any] = {
            "id": tech["id"],
            "title": tech["name"],
            "type": "technique",
            "url": f"{SITE}/techniques/{tech['id']}",
            "category": tactics[0],
            "refs": [f"atlas:{t}" for t in tactics],
        }
        if parent_id is not None:
            entry["parent"] = parent_id
        entries.append(entry)

    controls: list[dict[str, Any]] = []
    for mitigation in matrix["mitigations"]:
        linked = _techniques_of(mitigation)
        unknown = [t for t in linked if t not in techniques]
        if unknown:
            raise ValueError(f"{mitigation['id']}: links to unknown techniques {unknown}")
        controls.append(
            {
                "id": mitigation["id"],
                "title": mitigation["name"],
                "url": f"{SITE}/mitigations/{mitigation['id']}",
                "category": ", ".join(mitigation.get("category") or []) or None,
                "refs": [f"atlas:{t}" for t in linked],
            }
        )

    catalog = Catalog.model_validate(
        {
            "schema_version": 1,
            "id": "atlas",
            "title": "MITRE ATLAS (Adversarial Threat Landscape for AI Systems)",
            "version": EXPECTED_VERSION,
            "published": PUBLISHED,
            "source": f"{SITE}/",
            "licence": (
                "MITRE ATLAS data is licensed under the Apache License 2.0 (Copyright 2021-2025 MITRE); "
                "ids, titles and mappings used as facts with attribution; summaries written for "
                "threatmodel (none: ATLAS descriptions are not reproduced, follow each url)."
            ),
            "description": (
                f"The tactics, techniques, sub-techniques and mitigations of the ATLAS {EXPECTED_VERSION} "
                "matrix, in upstream order. A technique's category is its first tactic and its refs list "
                "all of its tactics; sub-techniques name their parent and inherit the parent's tactics. "
                "Controls are the ATLAS mitigations; their refs are the techniques they mitigate. Case "
                "studies are not included."
            ),
            "entries": entries,
            "controls": controls,
        }
    )
    return render(catalog, HEADER)


if __name__ == "__main__":
    sys.exit(main(__doc__.splitlines()[0], OUTPUT, build))
