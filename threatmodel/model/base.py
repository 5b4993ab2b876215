"""Shared pydantic configuration and id types; the ordered vocabularies live in :mod:`.levels`
(no pydantic there, so the CLI can name severities without importing the model classes)."""

from __future__ import annotations

import ast
import gc
import inspect
import itertools
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from threatmodel.model.levels import SEVERITIES_WORST_FIRST as SEVERITIES_WORST_FIRST
from threatmodel.model.levels import Classification as Classification
from threatmodel.model.levels import Ordered as Ordered
from threatmodel.model.levels import Severity as Severity
from threatmodel.model.levels import TrustLevel as TrustLevel

SLUG_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, min_length=1, max_length=64)]
"""A lower-kebab identifier chosen by a person, e.g. ``chat-llm``."""

REF_PATTERN = r"^[a-z][a-z0-9-]*:[^\s@]+$"
Ref = Annotated[str, Field(pattern=REF_PATTERN, max_length=160)]
"""A catalog reference ``<catalog-id>:<upstream-id>``, e.g. ``owasp-llm:LLM01:2025``."""

Text = Annotated[str, Field(max_length=20_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Labelled:
    """Mixin for elements a person names: ``label`` is how every front end shows them."""

    if TYPE_CHECKING:
        id: str
        name: str | None

    @property
    def label(self) -> str:
        """The element's name, or its id when it has none (the one place that fallback is written)."""
        return self.name or self.id


class Frozen(BaseModel):
    """Base of every model type: immutable, strict about unknown keys, documented."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        defer_build=True,
        str_strip_whitespace=False,
        validate_default=False,
    )


class Item(Frozen):
    """Base of the items a model file lists by the thousand (data, boundaries, components, flows,
    controls, triage entries): each validated instance gives up its own set of stated field names
    for one equal set its class already has (:func:`shared_field_set`)."""

    @model_validator(mode="after")
    def _share_field_set(self) -> Item:
        # ``Flow`` replaces this validator by name (it derives its key here too): what is added here
        # must be added there
        shared_field_set(self)
        return self


FIELD_SETS_PER_CLASS = 64
"""Distinct sets of stated field names kept per class by :func:`shared_field_set` (a look-up each)."""

_field_sets: dict[type, dict[frozenset[str], set[str]]] = {}
"""Per class of :class:`Item`: the distinct sets of stated field names seen so far, each kept once."""


def shared_field_set(item: BaseModel) -> None:
    """Let ``item`` (of a frozen class) use the set of stated field names an earlier item of its
    class with the same stated fields has, as soon as it is validated.

    Pydantic makes each instance its own set (500-700 bytes for a flow or a component, more than the
    instance's own values); all of a 50,000-component model's sets were held together until the
    graph shared them (:func:`share_field_sets`), about 130 MB, and the freed sets left holes in
    the heap that the process never gave back. A set dropped right after its instance is made is
    reused by the next one. Sharing is invisible: frozen instances never add to their set, and
    ``model_copy`` copies it before changing it. At most :data:`FIELD_SETS_PER_CLASS` sets are
    kept per class; an item matching none keeps its own."""
    own = item.__pydantic_fields_set__
    kind = type(item)
    shared = _last_field_set.get(kind)  # consecutive items of a class mostly state the same fields
    if shared is None or (shared is not own and shared != own):
        known = _field_sets.get(kind)
        if known is None:
            known = _field_sets[kind] = {}
        key = frozenset(own)
        shared = known.get(key)
        if shared is None:
            if len(known) >= FIELD_SETS_PER_CLASS:
                return
            shared = known[key] = own
            _kept_ids.add(id(own))
        _last_field_set[kind] = shared
    if shared is not own:
        _FIELDS_SET.__set__(item, shared)


_last_field_set: dict[type, set[str]] = {}
"""Per class: the set :func:`shared_field_set` last gave or kept, compared first."""
_kept_ids: set[int] = set()
"""Identities of the sets :data:`_field_sets` keeps (each is kept for good, so no identity is
reused): an item holding one of them already shares."""
_FIELDS_SET: Any = BaseModel.__dict__["__pydantic_fields_set__"]
"""The instance slot holding that set (set through its descriptor: the classes are frozen)."""


# ---------------------------------------------------------------------------
# Field documentation, on demand
#
# Every field is documented by the docstring under it. Pydantic can read those at class creation
# (``use_attribute_docstrings``), but that parses the source of each of ~60 classes on every start
# of the command, a third of ``validate``'s start-up. Only the JSON Schema and the TUI's forms show
# field docs, so they call :func:`document_fields` first; validators are built on first use
# (``defer_build``), so in a fresh process nothing has to be rebuilt.

_documented: set[type[BaseModel]] = set()


def _attribute_docs(cls: type, cache: dict[type, dict[str, str]]) -> dict[str, str]:
    """``name -> docstring`` of the annotated attributes in ``cls``'s own body (a string literal
    right after ``name: type [= value]``), cleaned like any docstring."""
    if cls in cache:
        return cache[cls]
    docs: dict[str, str] = {}
    try:
        source = textwrap.dedent(inspect.getsource(cls))
        tree = ast.parse(source if not source.startswith((" ", "\t")) else f"if True:\n{source}")
    except (OSError, TypeError, SyntaxError):
        cache[cls] = docs
        return docs
    node = tree.body[0]
    if isinstance(node, ast.If):
        node = node.body[0]
    body = node.body if isinstance(node, ast.ClassDef) else []
    for stmt, following in itertools.pairwise(body):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[stmt.target.id] = inspect.cleandoc(following.value.value)
    cache[cls] = docs
    return docs


def _model_classes() -> list[type[BaseModel]]:
    """Every subclass of :class:`Frozen` defined so far, parents before children."""
    found: list[type[BaseModel]] = []
    queue: list[type[BaseModel]] = [Frozen]
    while queue:
        cls = queue.pop(0)
        for sub in cls.__subclasses__():
            if sub not in found:
                found.append(sub)
                queue.append(sub)
    return found


_stale = [False]
"""Whether some class was built before its fields got docs: its core schema lacks them, and so
does every class built since that reused it as a nested schema."""


def document_fields(*, schemas: bool = True) -> None:
    """Give each field of every model class defined so far the docstring under its declaration as
    ``description`` (an explicit ``Field(description=...)`` wins). With ``schemas``, also rebuild
    what was built before that, so JSON Schemas carry the docs (the TUI's forms read the field
    descriptions only and skip that). Idempotent; cheap once done."""
    cache: dict[type, dict[str, str]] = {}
    for cls in _model_classes():
        if cls in _documented:
            continue
        for name, info in cls.model_fields.items():
            if info.description is not None:
                continue
            owner = next((k for k in cls.__mro__ if name in inspect.get_annotations(k)), None)
            doc = _attribute_docs(owner, cache).get(name) if owner is not None else None
            if doc is not None:
                info.description = doc
        _documented.add(cls)
        if cls.__pydantic_complete__:
            _stale[0] = True
    if not schemas or not _stale[0]:
        return
    _stale[0] = False
    # Rebuild every built class (a class built after the docs may hold a stale nested schema),
    # forgetting all their schemas first, so no rebuild below reuses a nested one.
    built = [cls for cls in _model_classes() if cls.__pydantic_complete__]
    for cls in built:
        if "__pydantic_core_schema__" in cls.__dict__:
            delattr(cls, "__pydantic_core_schema__")
    for cls in built:
        cls.model_rebuild(force=True)


# ---------------------------------------------------------------------------
# Memory of a loaded model


def share_field_sets(items: Iterable[BaseModel]) -> None:
    """Let items of frozen classes share one ``model_fields_set`` per distinct content, as
    :func:`shared_field_set` does for each :class:`Item` as it is validated: for the items made
    without validation since (``model_copy`` of an edited component gives it its own set), and
    for frozen classes that are not :class:`Item`. Items already sharing (every item of a model
    just loaded) are passed over after one look-up of their set's identity."""
    kept = _kept_ids
    for item in items:
        if id(item.__pydantic_fields_set__) in kept:
            continue
        if type(item).model_config.get("frozen"):  # only a frozen class's instances never add to their set
            shared_field_set(item)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with Python's cyclic garbage collector off; afterwards move what survived to
    the oldest generation and turn the collector back on (if it was on).

    Loading a model and evaluating it each allocate hundreds of thousands of small containers and
    make no reference cycles (tests assert both leave nothing for the collector), so every
    automatic collection they trigger re-walks a growing heap and finds nothing: 0.14 s of a 1 s
    ``validate`` and about a fifth of an evaluation at 10,000 components. Reference counting frees
    objects as usual. What the body made is the caller's result: freezing then unfreezing moves it
    to the oldest generation, so the first young collection after does not walk it either."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()
