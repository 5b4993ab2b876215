"""Editing model files in place: comments, key order and formatting of untouched parts survive.

Reading for analysis uses the fast safe loader (io/yaml_source.py); this module is
only for writing edits back (TUI saves, ``threatmodel migrate``). It uses ruamel.yaml's
round-trip mode, which keeps comments and layout, and writes atomically. A file that
changed on disk since it was opened is never overwritten silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

from threatmodel.errors import ModelError, Problem, SourceSpan, ThreatModelError
from threatmodel.io.write import write_atomic
from threatmodel.io.yaml_source import MAX_FILE_BYTES, parse_yaml
from threatmodel.model import keys

SECTIONS = ("data", "boundaries", "components", "flows", "controls")
BOM = "\ufeff"
STR_TAG = "tag:yaml.org,2002:str"


class ConflictError(ThreatModelError):
    """The file changed on disk since it was opened; saving would lose someone's edits."""

    title = "file changed on disk"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _make_yaml(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.allow_duplicate_keys = False
    sequence_indent = re.search(r"^([ ]*)- ", text, flags=re.MULTILINE)
    if sequence_indent is not None:
        dash = len(sequence_indent.group(1))
        if dash >= 2:
            yaml.indent(mapping=2, sequence=dash + 2, offset=dash)
        else:
            yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def flow_key(item: Mapping[str, Any]) -> str:
    """Key of a flow mapping: its id, else ``<source>-to-<target>``."""
    return keys.flow_key(str(item["id"]) if item.get("id") else None, str(item.get("source")), str(item.get("target")))


def item_key(section: str, item: Mapping[str, Any]) -> str:
    """The id an editor addresses an item of ``section`` by."""
    if section == "flows":
        return flow_key(item)
    if section == "controls":
        return keys.control_key(str(item.get("control")), (str(s) for s in item.get("scope", []) or []))
    return str(item.get("id"))


@dataclass
class ModelDocument:
    """A model file opened for editing."""

    path: Path | None
    _yaml: YAML
    _root: CommentedMap
    _disk_digest: str | None
    _original_text: str
    dirty: bool = field(default=False)
    bom: bool = field(default=False)
    """The file began with a UTF-8 byte-order mark; saving keeps it."""
    crlf: bool = field(default=False)
    """Every line of the file ended in CRLF; saving writes CRLF again (edits are made on LF text)."""

    # -- opening ------------------------------------------------------------
    @classmethod
    def open(cls, path: Path) -> ModelDocument:
        raw = path.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            raise ModelError(
                Problem(f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}", SourceSpan(str(path)))
            )
        text = raw.decode("utf-8-sig")
        crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
        doc = cls.from_text(text.replace("\r\n", "\n") if crlf else text, path, disk_digest=_digest(raw))
        doc.bom = raw.startswith(BOM.encode("utf-8"))
        doc.crlf = crlf
        return doc

    def file_text(self) -> str:
        """What :meth:`save` writes: :meth:`text` with the file's byte-order mark and line endings."""
        text = self.text()
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return BOM + text if self.bom else text

    @classmethod
    def from_text(cls, text: str, path: Path | None = None, *, disk_digest: str | None = None) -> ModelDocument:
        parse_yaml(text, str(path) if path else "<memory>")  # safe, bounded validation of the YAML itself
        rt = _make_yaml(text)  # round-trip mode: builds only maps, lists and scalars; tags were refused above
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a reused anchor name is valid YAML; don't print ruamel's warning
            root = rt.load(text)
        if root is None:
            root = CommentedMap()
        _keep_anchors(root)
        if not isinstance(root, CommentedMap):
            raise ModelError(
                Problem("expected a mapping at the top level", SourceSpan(str(path) if path else "<memory>", 1, 1))
            )
        return cls(path=path, _yaml=rt, _root=root, _disk_digest=disk_digest, _original_text=text)

    # -- reading --------------------------------------------------------------
    def text(self) -> str:
        """The document as it would be saved."""
        if not self.dirty:
            return self._original_text
        buffer = io.StringIO()
        self._yaml.dump(self._root, buffer)
        return buffer.getvalue()

    def data(self) -> dict[str, Any]:
        """A plain-Python copy of the document (for validation)."""
        return _plain(self._root)  # type: ignore[no-any-return]

    def items(self, section: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for item in self._root.get(section) or []:
            if isinstance(item, Mapping):
                yield item_key(section, item), item

    # -- editing --------------------------------------------------------------
    def _section(self, section: str) -> CommentedSeq:
        if section not in SECTIONS:
            raise KeyError(section)
        seq = self._root.get(section)
        if seq is None:
            seq = CommentedSeq()
            self._root[section] = seq
        return seq  # type: ignore[no-any-return]

    def _index(self, section: str, key: str) -> int | None:
        for i, item in enumerate(self._root.get(section) or []):
            if isinstance(item, Mapping) and item_key(section, item) == key:
                return i
        return None

    def upsert(self, section: str, item: Mapping[str, Any], *, key: str | None = None) -> None:
        """Replace the item addressed by ``key`` (default: ``item``'s own key) or append it.

        Keys whose values are unchanged keep their comments and formatting; removed keys
        disappear; new keys are added at the end of the mapping.
        """
        seq = self._section(section)
        index = self._index(section, key if key is not None else item_key(section, item))
        if index is None:
            seq.append(_to_commented(item))
        else:
            _merge_into(seq[index], item)
        self.dirty = True

    def delete(self, section: str, key: str) -> bool:
        """Remove the item addressed by ``key``; False when there is none."""
        index = self._index(section, key)
        if index is None:
            return False
        del self._section(section)[index]
        self.dirty = True
        return True

    def set_triage(self, finding_id: str, entry: Mapping[str, Any] | None) -> None:
        """Write (or with ``None`` remove) the triage entry of a finding."""
        triage = self._root.get("triage")
        if entry is None:
            if isinstance(triage, CommentedMap) and finding_id in triage:
                del triage[finding_id]
                self.dirty = True
            return
        if not isinstance(triage, CommentedMap):
            triage = CommentedMap()
            self._root["triage"] = triage
        if finding_id in triage and isinstance(triage[finding_id], CommentedMap):
            _merge_into(triage[finding_id], entry)
            _quote_key(triage, finding_id)
        else:
            triage[DoubleQuotedScalarString(finding_id)] = _to_commented(entry)
        self.dirty = True

    def set_path(self, path: tuple[str | int, ...], value: Any) -> None:
        """Set one value at ``path`` (e.g. ``("system", "owner")``), creating mappings on the way."""
        node: Any = self._root
        for part in path[:-1]:
            if isinstance(node, CommentedMap):
                if part not in node or node[part] is None:
                    node[part] = CommentedMap()
                node = node[part]
            else:
                node = node[part]
        if value is None and isinstance(node, CommentedMap):
            node.pop(path[-1], None)
        else:
            node[path[-1]] = _keep_style(_current(node, path[-1]), value)
        self.dirty = True

    def replace_strings(self, mapping: Mapping[str, str], *, keys: bool = True) -> int:
        """Rewrite scalar values (and mapping keys) equal to a key of ``mapping``; returns how many."""
        count = 0

        def walk(node: Any) -> Any:
            nonlocal count
            if isinstance(node, CommentedMap):
                for k in list(node.keys()):
                    node[k] = walk(node[k])
                    if keys and isinstance(k, str) and k in mapping:
                        position = list(node.keys()).index(k)
                        value = node.pop(k)
                        node.insert(position, _keep_style(k, mapping[k]), value)
                        count += 1
                return node
            if isinstance(node, CommentedSeq):
                for i, item in enumerate(node):
                    node[i] = walk(item)
                return node
            if isinstance(node, str) and node in mapping:
                count += 1
                return type(node)(mapping[node]) if type(node) is not str else mapping[node]
            return node

        walk(self._root)
        if count:
            self.dirty = True
        return count

    # -- saving --------------------------------------------------------------
    def changed_on_disk(self) -> bool:
        """True when the file on disk is no longer what was opened."""
        if self.path is None or self._disk_digest is None:
            return False
        try:
            return _digest(self.path.read_bytes()) != self._disk_digest
        except FileNotFoundError:
            return True

    def save(self, path: Path | None = None, *, force: bool = False) -> Path:
        """Write atomically; refuse (ConflictError) when the file changed on disk since it was opened."""
        target = path or self.path
        if target is None:
            raise ModelError(Problem("no file to save to"))
        if target == self.path and not force and self.changed_on_disk():
            raise ConflictError(
                Problem(
                    f"{target} changed on disk since it was opened; not overwriting it",
                    SourceSpan(str(target)),
                    "reload it, or save your version under another name and compare",
                )
            )
        text = self.text()
        data = self.file_text()
        write_atomic(target, data)
        self._disk_digest = _digest(data.encode("utf-8"))
        self._original_text = text
        self.path = target
        self.dirty = False
        return target


def _keep_anchors(node: Any) -> None:
    """Mark every anchored mapping and list to be written with its anchor even when no alias
    uses it (ruamel drops unused anchors on collections; the user wrote them, they stay)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (CommentedMap, CommentedSeq)):
            if item.anchor.value is not None:
                item.anchor.always_dump = True
            stack.extend(item.values() if isinstance(item, CommentedMap) else item)


def _current(node: Any, key: str | int) -> Any:
    """What ``node[key]`` holds now, or None."""
    try:
        return node[key]
    except (KeyError, IndexError, TypeError):
        return None


def _keep_style(old: Any, value: Any) -> Any:
    """``value`` written the way ``old`` was: a quoted string stays quoted (the docs tell
    users to quote triage keys), a ``!!str``-tagged one keeps its tag."""
    if isinstance(value, (Mapping, list, tuple)):
        return _to_commented(value)
    if isinstance(value, str) and type(value) is str:
        if isinstance(old, ScalarString):
            return type(old)(value)
        if isinstance(old, TaggedScalar) and old.tag is not None and old.tag.value == STR_TAG:
            return TaggedScalar(value, style=old.style, tag=old.tag)
    return value


def _to_commented(value: Any) -> Any:
    if isinstance(value, Mapping):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _to_commented(v)
        return out
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(_to_commented(v) for v in value)
        if value and all(not isinstance(v, (Mapping, list, tuple)) for v in value) and len(value) <= 8:
            seq.fa.set_flow_style()
        return seq
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):  # enums
        return value.value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # ruamel writes a plain YAML date (2027-01-31), not a quoted string
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _merge_into(target: CommentedMap, new: Mapping[str, Any]) -> None:
    for k in [k for k in target if k not in new]:
        del target[k]
    for k, v in new.items():
        converted = _to_commented(v)
        if k in target and _plain(target[k]) == _plain(converted):
            continue
        if k in target and isinstance(target[k], CommentedMap) and isinstance(v, Mapping):
            _merge_into(target[k], v)
        else:
            target[k] = converted


def _plain(node: Any) -> Any:
    if isinstance(node, TaggedScalar) and node.tag is not None and node.tag.value == STR_TAG:
        return str(node.value)  # `!!str x` is the string x, as the safe loader reads it
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.date) and not isinstance(node, dt.datetime):
        return node.isoformat()  # a date read from the file equals the same date given as text
    return node


def _quote_key(mapping: CommentedMap, key: str) -> None:
    """Write a triage key double-quoted, as docs/modeling.md writes them (a finding id holds ':' and '@'),
    keeping its place in the mapping; a key the user already quoted is left as written."""
    for existing in mapping:
        if existing == key:
            if isinstance(existing, DoubleQuotedScalarString) or type(existing) is not str:
                return
            break
    else:
        return
    position = list(mapping).index(key)
    value = mapping.pop(key)
    mapping.insert(position, DoubleQuotedScalarString(key), value)
