"""Linear algebra: einsum (ellipsis, broadcasting, repeated and implicit subscripts), the matrix
products and the norms of ``mg.linalg``, at first and second order against finite differences,
float32 kept, and the errors for shapes that do not fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from test_ops_gradients import Case, gradient_tests

import microgradnet as mg
from microgradnet.testing.strategies import arrays

#: (equation, shapes with named lengths) — a letter in a shape is replaced by its drawn length.
EQUATIONS = [
    ("ij,jk->ik", ["ij", "jk"]),
    ("ij,jk", ["ij", "jk"]),
    ("ii->i", ["ii"]),
    ("ii", ["ii"]),
    ("iij->j", ["iij"]),
    ("ij->", ["ij"]),
    ("ij,j->i", ["ij", "j"]),
    ("...ij,...jk->...ik", ["bij", "jk"]),
    ("...ij,...jk->...ik", ["b1ij", "cjk"]),
    ("i,j->ij", ["i", "j"]),
    ("ij,ij->ij", ["i1", "ij"]),
    ("ijk->kji", ["ijk"]),
    ("i,i,i->", ["i", "i", "i"]),
    ("ij,jk,kl->il", ["ij", "jk", "kl"]),
    ("...", ["ij"]),
    ("ba,ab->", ["ij", "ji"]),
    (",i->i", ["", "i"]),  # a scalar times a vector
]


def draw_einsum(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    equation, specs = data.draw(st.sampled_from(EQUATIONS))
    lengths = {c: data.draw(st.integers(1, 3)) for c in "ijklbc"}
    shapes = [tuple(1 if c == "1" else lengths[c] for c in spec) for spec in specs]
    return [data.draw(arrays(s)) for s in shapes], {"equation": equation}


def draw_product(kind: str) -> Any:
    def draw(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
        b, n, k, m = (data.draw(st.integers(1, 3)) for _ in range(4))
        shapes = {
            "dot": [(k,), (k,)],
            "outer": [(n,), (m,)],
            "mv": [(n, k), (k,)],
            "mm": [(n, k), (k, m)],
            "bmm": [(b, n, k), (b, k, m)],
        }[kind]
        return [data.draw(arrays(s)) for s in shapes], {}

    return draw


def draw_norm(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    kind = data.draw(st.sampled_from(["vector", "matrix", "flat"]))
    shape = data.draw(st.sampled_from([(2, 3), (3, 2, 2), (4,)]))
    if kind == "matrix" and len(shape) < 2:
        shape = (2, 3)
    # Magnitudes that are distinct powers of 2: no two sums of them tie (so no row or column
    # sum ties with another: the maxima are away from kinks), and none is 0.
    size = int(np.prod(shape))
    powers = np.array(data.draw(st.permutations(range(size))), dtype=np.float64)
    signs = np.array(
        data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=size, max_size=size))
    )
    x = (signs * 2.0 ** (powers - size / 2)).reshape(shape)
    if kind == "vector":
        ords = [2, 1, 3, np.inf, -np.inf]
        return [x], {"ord": data.draw(st.sampled_from(ords)), "dim": -1}
    if kind == "matrix":
        ords = ["fro", 1, -1, np.inf, -np.inf]
        return [x], {"ord": data.draw(st.sampled_from(ords)), "dim": (-2, -1)}
    return [x], {}


CASES = [
    Case("einsum", lambda *xs, equation: mg.einsum(equation, *xs), draw_einsum),
    Case("dot", mg.dot, draw_product("dot")),
    Case("outer", mg.outer, draw_product("outer")),
    Case("mv", lambda a, b: a.mv(b), draw_product("mv")),
    Case("mm", mg.mm, draw_product("mm")),
    Case("bmm", lambda a, b: a.bmm(b), draw_product("bmm")),
    Case("linalg_norm", lambda x, **p: mg.linalg.norm(x, **p), draw_norm),
]


test_first_order, test_second_order, test_float32_stays_float32 = gradient_tests(CASES)


def test_einsum_takes_arrays_lists_and_a_list_of_operands() -> None:
    a = np.arange(6.0).reshape(2, 3)
    assert mg.einsum("ij->ji", a).shape == (3, 2)
    assert mg.einsum("i,i", [1.0, 2.0], [3.0, 4.0]).item() == 11.0
    assert mg.einsum("ij,jk", [mg.tensor(a), mg.tensor(a.T)]).shape == (2, 2)
    assert mg.einsum("ij,jk", a, a.T).shape == (2, 2)  # implicit: letters seen once, sorted


def test_linalg_norm_chooses_vector_or_matrix_norms_as_pytorch() -> None:
    m = mg.tensor([[1.0, -2.0], [3.0, 4.0]])
    assert mg.linalg.norm(m).item() == pytest.approx(np.sqrt(30))
    assert mg.linalg.norm(m, np.inf).item() == 7.0  # the largest absolute row sum
    assert mg.linalg.norm(m, 1).item() == 6.0  # the largest absolute column sum
    assert mg.linalg.norm(m, 1, dim=1).tolist() == [3.0, 7.0]
    assert mg.linalg.vector_norm(m, np.inf).item() == 4.0
    assert mg.linalg.matrix_norm(m, -1, keepdim=True).shape == (1, 1)
    with pytest.raises(ValueError, match="matrix_norm: ord 'nuc' is not supported"):
        mg.linalg.matrix_norm(m, "nuc")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: mg.einsum("ij,jk", np.ones((2, 3)), np.ones((2, 3))),
            "einsum: subscript 'j' has lengths 3 and 2",
        ),
        (lambda: mg.einsum("ij", np.ones(3)), r"einsum: the subscripts 'ij' do not fit .* \(3,\)"),
        (lambda: mg.einsum("i,j", np.ones(3)), "einsum: the equation 'i,j' has 2 operands"),
        (lambda: mg.einsum("i->j", np.ones(3)), "einsum: the output 'j' repeats a letter"),
        (lambda: mg.einsum("i1", np.ones((3, 3))), r"einsum: subscripts must be letters"),
        (lambda: mg.dot(np.ones((2, 2)), np.ones(2)), r"dot: needs 1-D and 1-D inputs"),
        (lambda: mg.mm(np.ones(2), np.ones((2, 2))), r"mm: needs 2-D and 2-D inputs"),
        (lambda: mg.bmm(np.ones((2, 1, 2)), np.ones((3, 2, 1))), "bmm: batch sizes differ"),
        (lambda: mg.mv(np.ones((2, 3)), np.ones(2)), r"matmul: shapes \(2, 3\) and \(2,\)"),
    ],
)
def test_bad_shapes_are_named(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
