"""Nested tuples, lists and dicts as a flat list of leaves and a structure to rebuild them."""

from __future__ import annotations

from typing import Any

Structure = Any


def flatten(tree: Any) -> tuple[list[Any], Structure]:
    """The leaves of ``tree`` (tuples, lists and dicts are walked) in order, and its structure.

    Examples
    --------
    >>> leaves, structure = flatten((1, [2, 3], {"a": 4}))
    >>> leaves
    [1, 2, 3, 4]
    >>> unflatten(structure, [5, 6, 7, 8])
    (5, [6, 7], {'a': 8})
    """
    leaves: list[Any] = []
    return leaves, _walk(tree, leaves)


def _walk(tree: Any, leaves: list[Any]) -> Structure:
    kind = type(tree)
    if kind is tuple or kind is list:
        return (kind, tuple(_walk(x, leaves) for x in tree))
    if kind is dict:
        return (dict, tuple((k, _walk(v, leaves)) for k, v in tree.items()))
    leaves.append(tree)
    return None


def unflatten(structure: Structure, leaves: list[Any]) -> Any:
    """The tree of ``structure`` with ``leaves`` in place of the original ones."""
    it = iter(leaves)
    return _build(structure, it)


def _build(structure: Structure, it: Any) -> Any:
    if structure is None:
        return next(it)
    kind, parts = structure
    if kind is dict:
        return {k: _build(s, it) for k, s in parts}
    return kind(_build(s, it) for s in parts)
