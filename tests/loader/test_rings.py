"""Rings of a single-successor relation (boundary ``parent``, model ``base_model``), as the model
check reports them: each ring once, from its smallest id, and every id walked once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from threatmodel.model.check import _rings


def _naive(step: dict[str, str], shortest: int = 1) -> list[tuple[str, ...]]:
    """Walk from every id until an id repeats: quadratic, but plainly right."""
    found: list[tuple[str, ...]] = []
    for start in step:
        chain, cursor = [start], step.get(start)
        while cursor is not None and cursor not in chain:
            chain.append(cursor)
            cursor = step.get(cursor)
        if cursor is not None:
            ring = chain[chain.index(cursor) :]
            if len(ring) >= shortest and start == min(ring):
                found.append((*ring, start))
    return found


class _Counting(dict[str, str]):
    reads = 0

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        _Counting.reads += 1
        return super().get(key, default)


ids = st.sampled_from([f"n{i}" for i in range(12)])


@given(st.dictionaries(ids, ids, max_size=12), st.integers(min_value=1, max_value=3))
def test_rings_are_those_a_plain_walk_finds(step: dict[str, str], shortest: int) -> None:
    assert _rings(step, shortest=shortest) == _naive(step, shortest)


def test_a_long_chain_into_a_ring_is_walked_once() -> None:
    """A hostile file nests 20,000 boundaries (or bases) before a ring: each id is read once, not
    once per id that leads to it (the walk it replaced took minutes at 4,000)."""
    n = 20_000
    step = _Counting({f"n{i:05d}": f"n{i + 1:05d}" for i in range(n)})
    step[f"n{n:05d}"] = f"n{n - 2:05d}"  # the last three form a ring
    _Counting.reads = 0
    assert _rings(step) == [(f"n{n - 2:05d}", f"n{n - 1:05d}", f"n{n:05d}", f"n{n - 2:05d}")]
    assert _Counting.reads <= len(step)
    assert _rings(step, shortest=4) == []
