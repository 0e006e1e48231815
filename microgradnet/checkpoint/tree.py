"""Nested data as a JSON manifest plus named arrays, and back.

Python scalars (bool, int, float, str, None) stay in the manifest as JSON values; containers
and arrays become one-key objects: ``{"dict": [[key, item], ...]}``, ``{"list": [...]}``,
``{"tuple": [...]}``, ``{"array": name}`` and ``{"scalar": name}`` (a numpy scalar), where
``name`` is the array's member name, its key path joined by "/". Both directions walk with an
explicit stack, so depth costs no recursion; `MAX_DEPTH` bounds it all the same, so that a
manifest is always one ``json`` can write and read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .arrays import saveable
from .errors import CheckpointError, PathLike

#: How deeply containers may nest in a checkpoint.
MAX_DEPTH = 100
#: JSON nesting per level of data (``{"dict": [[key, ...]]}``), plus the manifest's own object.
_JSON_DEPTH = 3 * MAX_DEPTH + 2
ROOT = "%root"
_SCALARS = (bool, int, float, str, type(None))
_KINDS = ("array", "scalar", "dict", "list", "tuple")
_OPEN, _CLOSE = np.frombuffer(b"[{", np.uint8), np.frombuffer(b"]}", np.uint8)


def member_name(path: tuple[str | int, ...]) -> str:
    """The member holding the array at key ``path``; "%" is escaped, so none is named "%...".

    >>> member_name(("model", "0.weight")), member_name(("a/b", 3)), member_name(())
    ('model/0.weight', 'a%2Fb/3', '%root')
    """
    if not path:
        return ROOT
    return "/".join(str(k).replace("%", "%25").replace("/", "%2F") for k in path)


def shown(path: tuple[Any, ...]) -> str:
    """How messages name a key path."""
    return "the top level" if not path else "key path " + "/".join(repr(k) for k in path)


def encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The manifest's description of ``obj``; its arrays go into ``arrays`` by member name."""
    root: list[Any] = [None]
    stack: list[tuple[Any, tuple[str | int, ...], list[Any], int]] = [(obj, (), root, 0)]
    while stack:
        item, path, slot, index = stack.pop()
        if len(path) > MAX_DEPTH:
            raise ValueError(
                f"save: the data is nested more than {MAX_DEPTH} levels deep at "
                f"{shown(path[:3])}...; does a container contain itself?"
            )
        if isinstance(item, _SCALARS):
            slot[index] = item
        elif isinstance(item, np.ndarray | np.generic):
            kind = "array" if isinstance(item, np.ndarray) else "scalar"
            slot[index] = {kind: _add_array(item, path, arrays)}
        elif isinstance(item, dict):
            pairs: list[Any] = []
            for key, value in item.items():
                if isinstance(key, bool) or not isinstance(key, str | int):
                    raise TypeError(
                        f"save: the key {key!r} at {shown(path)} is a {type(key).__name__}; "
                        "keys must be strings or integers"
                    )
                pair: list[Any] = [key, None]
                pairs.append(pair)
                stack.append((value, (*path, key), pair, 1))
            slot[index] = {"dict": pairs}
        elif isinstance(item, list | tuple):
            items: list[Any] = [None] * len(item)
            for i, value in enumerate(item):
                stack.append((value, (*path, i), items, i))
            slot[index] = {"tuple" if isinstance(item, tuple) else "list": items}
        else:
            hint = "; save tensor.numpy() or a state_dict()" if hasattr(item, "_ctx") else ""
            raise TypeError(
                f"save: {shown(path)} is a {type(item).__name__}, which a checkpoint cannot hold "
                f"(arrays, numbers, bools, strings, None, dicts, lists and tuples){hint}"
            )
    return root[0]


def _add_array(
    arr: np.ndarray | np.generic, path: tuple[str | int, ...], arrays: dict[str, np.ndarray]
) -> str:
    plain = saveable(arr, f"the array at {shown(path)}")
    name = member_name(path)
    if name in arrays:
        raise ValueError(
            f"save: two keys at {shown(path[:-1])} both give the member name {name!r} "
            "(an integer key and the same number as a string)"
        )
    arrays[name] = plain
    return name


def parse(text: str, file: PathLike, member: str) -> Any:
    """The manifest in ``text``, checked to be a JSON object nested no deeper than allowed."""
    # The deepest bracket outside string literals, counted before json's recursive parser runs.
    chars = np.frombuffer(re.sub(r'"(?:[^"\\]|\\.)*"', "", text).encode(), np.uint8)
    steps = np.isin(chars, _OPEN).astype(np.int64) - np.isin(chars, _CLOSE)
    depth = int(np.cumsum(steps).max(initial=0))
    if depth > _JSON_DEPTH:
        raise CheckpointError(
            file,
            f"the manifest nests {depth} levels deep, more than a checkpoint can "
            f"({MAX_DEPTH} levels of containers)",
            member,
        )
    try:
        manifest = json.loads(text)
    except ValueError as err:
        raise CheckpointError(file, f"the manifest is not valid JSON ({err})", member) from err
    if not isinstance(manifest, dict):
        raise CheckpointError(
            file, f"the manifest is a JSON {type(manifest).__name__}, not an object", member
        )
    return manifest


def decode(tree: Any, read: Callable[[str], np.ndarray], file: PathLike, member: str) -> Any:
    """Rebuild the data that `encode` described; ``read(name)`` gives the array ``name``."""

    def bad(path: tuple[Any, ...], problem: str) -> CheckpointError:
        return CheckpointError(file, f"the manifest at {shown(path)} {problem}", member)

    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, tuple[Any, ...]]] = [(tree, root, 0, ())]
    tuples: list[tuple[Any, Any, list[Any]]] = []  # filled in as lists, made tuples at the end
    while stack:
        node, slot, index, path = stack.pop()
        if isinstance(node, _SCALARS):
            slot[index] = node
            continue
        if not isinstance(node, dict) or len(node) != 1:
            raise bad(path, f"is {_brief(node)}: expected a JSON value or one of {_KINDS}")
        ((kind, body),) = node.items()
        if kind not in _KINDS:
            raise bad(path, f"has the unknown kind {kind!r} (known: {', '.join(_KINDS)})")
        if kind in ("array", "scalar"):
            if not isinstance(body, str):
                raise bad(path, f"names its array by {_brief(body)}, not a member name")
            array = read(body)
            if kind == "scalar" and array.ndim:
                raise bad(path, f"is a scalar, but member {body!r} has shape {array.shape}")
            slot[index] = array[()] if kind == "scalar" else array
            continue
        if not isinstance(body, list):
            raise bad(path, f"is a {kind} whose items are {_brief(body)}, not a list")
        if kind == "dict":
            out: dict[Any, Any] = {}
            for pair in body:
                if not (isinstance(pair, list) and len(pair) == 2 and _is_key(pair[0])):
                    raise bad(path, f"has the entry {_brief(pair)}, not a [key, value] pair")
                out[pair[0]] = None
            slot[index] = out
            stack.extend((value, out, key, (*path, key)) for key, value in reversed(body))
        else:
            items: list[Any] = [None] * len(body)
            slot[index] = items
            if kind == "tuple":
                tuples.append((slot, index, items))
            stack.extend((value, items, i, (*path, i)) for i, value in enumerate(body))
    for slot, index, items in reversed(tuples):
        slot[index] = tuple(items)
    return root[0]


def _is_key(key: Any) -> bool:
    return isinstance(key, str | int) and not isinstance(key, bool)


def _brief(obj: Any) -> str:
    text = json.dumps(obj)
    return f"{text[:60]}..." if len(text) > 60 else text
