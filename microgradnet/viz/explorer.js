// The explorer page of microgradnet.viz.explore: steps through the forward and backward pass.
// Reads the JSON of <script id="explorer-data"> and the SVG drawing (node, edge and cluster ids
// set by microgradnet.viz.draw); writes the step into the drawing's texts and the side panel.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  const steps = data.steps;
  const nodes = data.nodes;
  const arrivals = data.arrivals;
  const last = steps.length - 1;
  const root = nodes.length - 1;
  const el = (id) => (id ? document.getElementById(id) : null);
  const $ = (id) => document.getElementById(id);
  const slider = $("slider");
  const panel = $("panel");
  const layer = document.querySelector("#graph svg g.graph") || document.querySelector("#graph svg");
  const SVGNS = "http://www.w3.org/2000/svg";

  // The text elements of each value's record: data, then gradient, counted from the end (a
  // name with a line break takes several texts at the start).
  const fields = nodes.map((n) => {
    const g = n.fields ? el(n.element) : null;
    if (!g) return null;
    const texts = g.querySelectorAll(":scope > text");
    const k = texts.length;
    return {
      data: texts[k - 1 - (n.gradField ? 1 : 0)] || null,
      grad: n.gradField ? texts[k - 1] : null,
    };
  });

  // When each value's running sum changes: [step, numbers], in step order.
  const seedStep = steps.findIndex((s) => s.kind === "seed");
  const sums = nodes.map(() => []);
  sums[root].push([seedStep, data.seed]);
  arrivals.forEach((list, s) => list.forEach((a) => sums[a.target].push([s, a.total])));
  const ownStep = nodes.map(() => Infinity);
  steps.forEach((s, k) => {
    if (s.kind === "backward" || s.kind === "seed") ownStep[s.node] = Math.min(ownStep[s.node], k);
  });
  const settled = nodes.map((n, i) =>
    n.op === null ? (sums[i].length ? sums[i][sums[i].length - 1][0] : Infinity) : ownStep[i]
  );

  function sumAt(i, k) {
    let found = null;
    for (const [s, v] of sums[i]) {
      if (s > k) break;
      found = v;
    }
    return found;
  }

  function text(v) {
    return typeof v === "string" ? v : String(v);
  }

  function table(numbers, cls) {
    const t = document.createElement("table");
    t.className = "values " + cls;
    const shape = numbers.shape;
    const cols = shape.length ? Math.max(shape[shape.length - 1], 1) : 1;
    let row = null;
    numbers.values.forEach((v, k) => {
      if (k % cols === 0) row = t.insertRow();
      const cell = row.insertCell();
      cell.className = "num";
      cell.textContent = text(v);
    });
    const box = document.createElement("div");
    box.appendChild(t);
    if (numbers.values.length < numbers.size) {
      const note = document.createElement("div");
      note.className = "note";
      note.textContent = `first ${numbers.values.length} of ${numbers.size} values; ${numbers.summary}`;
      box.appendChild(note);
    }
    return box;
  }

  function add(parent, tag, content, cls) {
    const e = document.createElement(tag);
    if (content !== undefined) e.textContent = content;
    if (cls) e.className = cls;
    parent.appendChild(e);
    return e;
  }

  function describe(i) {
    const n = nodes[i];
    const shape = n.dtype.startsWith("float (") ? "a number" : `shape (${n.data.shape.join(", ")}${n.data.shape.length === 1 ? "," : ""})`;
    const origin = n.opName ? `made by ${n.opName}` : n.requiresGrad ? "a leaf that requires grad" : "a constant";
    return `${shape} · ${n.dtype} · ${origin}`;
  }

  function nodePanel(parent, i, k, withGrad) {
    const n = nodes[i];
    const box = add(parent, "section");
    box.id = "node";
    box.dataset.index = String(i);
    add(box, "h3", n.name).className = "name";
    add(box, "div", describe(i), "meta");
    add(box, "h3", "data");
    box.appendChild(table(n.data, "data"));
    if (withGrad) {
      const g = sumAt(i, k);
      add(box, "h3", "gradient");
      if (g) box.appendChild(table(g, "grad"));
      else add(box, "div", "no gradient reaches it", "note");
    }
  }

  let flowLabels = [];

  function render(k) {
    const step = steps[k];
    document.body.dataset.step = String(k);
    slider.value = String(k);
    $("counter").textContent = `step ${k} / ${last}`;
    const phase = step.kind === "start" || step.kind === "forward" ? "forward" : "backward";
    $("phase").textContent = phase;
    $("phase").className = phase;
    document.querySelectorAll(".current, .op-current, .flow, .feed, .complete").forEach((e) =>
      e.classList.remove("current", "op-current", "flow", "feed", "complete")
    );
    flowLabels.forEach((t) => t.remove());
    flowLabels = [];
    nodes.forEach((n, i) => {
      const seen = n.appears <= k;
      if (n.fields) {
        const g = el(n.element);
        if (g) g.classList.toggle("future", !seen);
        const opG = el(n.op);
        if (opG && n.op[0] === "o") opG.classList.toggle("future", !seen);
        n.inEdges.concat([n.outEdge]).forEach((id) => {
          const e = id && id[0] === "e" ? el(id) : null;
          if (e) e.classList.toggle("future", !seen);
        });
        if (g && settled[i] <= k) g.classList.add("complete");
      }
      const f = fields[i];
      if (!f) return;
      if (f.data) f.data.textContent = "data " + (seen ? n.data.summary : "·");
      if (f.grad) {
        const s = sumAt(i, k);
        f.grad.textContent = "grad " + (s ? s.summary : "·");
      }
    });
    const i = step.node;
    if (i >= 0) {
      const g = el(nodes[i].element);
      if (g) {
        g.classList.add("current");
        if (g.scrollIntoView) g.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
      const opG = el(nodes[i].op);
      if (opG && step.kind !== "seed") opG.classList.add("op-current");
    }
    if (step.kind === "forward") {
      nodes[i].inEdges.concat([nodes[i].outEdge]).forEach((id) => {
        const e = el(id);
        if (e) e.classList.add("feed");
      });
    }
    arrivals[k].forEach((a) => {
      const e = el(a.edge);
      if (!e) return;
      e.classList.add("flow");
      const path = e.querySelector("path");
      if (!path || !path.getTotalLength) return;
      const p = path.getPointAtLength(path.getTotalLength() / 2);
      const t = document.createElementNS(SVGNS, "text");
      t.setAttribute("x", String(p.x + 4));
      t.setAttribute("y", String(p.y));
      t.setAttribute("class", "flow-label");
      t.textContent = a.grad.summary;
      layer.appendChild(t);
      flowLabels.push(t);
    });
    showPanel(k);
  }

  function showPanel(k) {
    const step = steps[k];
    panel.textContent = "";
    add(panel, "h2", step.title).id = "title";
    if (step.kind === "start") {
      add(panel, "p", "Leaves hold their data before anything runs. Step forward to run the operations in the order they ran.", "note");
      nodes.forEach((n, i) => {
        if (n.op !== null) return;
        const leaf = add(panel, "section", undefined, "leaf");
        leaf.dataset.index = String(i);
        add(leaf, "h3", n.name).className = "name";
        add(leaf, "div", describe(i), "meta");
        leaf.appendChild(table(n.data, "data"));
      });
      return;
    }
    const backward = step.kind !== "forward";
    nodePanel(panel, step.node, k, backward);
    if (step.kind === "forward") {
      const list = add(panel, "section");
      list.id = "inputs";
      add(list, "h3", "inputs");
      nodes[step.node].inputs.forEach((j) => add(list, "div", `${nodes[j].name}: ${nodes[j].data.summary}`));
    }
    if (step.kind === "seed") {
      add(panel, "p", "Backward starts here: d(output)/d(output) = 1. Next, each operation, latest first, sends the gradient of its output to its inputs.", "note");
    }
    if (step.kind === "backward") {
      const list = add(panel, "section");
      list.id = "arrivals";
      if (!arrivals[k].length) add(list, "div", "none of its inputs requires grad", "note");
      arrivals[k].forEach((a) => {
        const box = add(list, "div", undefined, "arrival");
        box.dataset.target = String(a.target);
        box.dataset.input = String(a.input);
        add(box, "h3", `to input ${a.input}: ${nodes[a.target].name}`);
        add(box, "div", "gradient along this edge", "meta");
        box.appendChild(table(a.grad, "grad"));
        add(box, "div", `sum at ${nodes[a.target].name} so far`, "meta");
        box.appendChild(table(a.total, "total"));
      });
    }
  }

  // -- module clusters fold and unfold ------------------------------------------------------------
  const folded = new Set();
  const outerOf = {};
  nodes.forEach((n) => n.clusters.forEach((c, k) => (outerOf[c] = n.clusters.slice(0, k))));
  function refold() {
    const inBoth = (a, b) => a.some((c) => folded.has(c) && b.includes(c));
    nodes.forEach((n) => {
      if (!n.fields) return;
      const hidden = n.clusters.some((c) => folded.has(c));
      [el(n.element), n.op && n.op[0] === "o" ? el(n.op) : null].forEach((g) => {
        if (g) g.classList.toggle("hidden", hidden);
      });
      n.inputs.forEach((j, pos) => {
        const e = el(n.inEdges[pos]);
        if (e) e.classList.toggle("hidden", inBoth(nodes[j].clusters, n.clusters));
      });
      const out = el(n.outEdge);
      if (out) out.classList.toggle("hidden", hidden);
    });
    data.clusters.forEach((c) => {
      const g = el(c);
      if (!g) return;
      g.classList.toggle("folded", folded.has(c));
      g.classList.toggle("hidden", (outerOf[c] || []).some((d) => folded.has(d)));
    });
  }
  data.clusters.forEach((c) => {
    const g = el(c);
    if (!g) return;
    g.querySelectorAll(":scope > text").forEach((t) => {
      t.addEventListener("click", () => {
        if (folded.has(c)) folded.delete(c);
        else folded.add(c);
        refold();
      });
    });
  });

  // -- controls -----------------------------------------------------------------------------------
  let current = 0;
  let timer = null;
  function go(k) {
    current = Math.max(0, Math.min(last, k));
    render(current);
  }
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    $("play").textContent = "play";
  }
  function play() {
    if (current >= last) go(0);
    $("play").textContent = "pause";
    timer = setInterval(() => {
      if (current >= last) stop();
      else go(current + 1);
    }, 900);
  }
  slider.max = String(last);
  $("first").addEventListener("click", () => go(0));
  $("prev").addEventListener("click", () => go(current - 1));
  $("next").addEventListener("click", () => go(current + 1));
  $("last").addEventListener("click", () => go(last));
  $("play").addEventListener("click", () => (timer === null ? play() : stop()));
  slider.addEventListener("input", () => go(Number(slider.value)));
  document.addEventListener("keydown", (e) => {
    if (e.target === slider && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return;
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: last };
    if (e.key in moves) {
      e.preventDefault();
      go(moves[e.key]);
    } else if (e.key === " ") {
      e.preventDefault();
      timer === null ? play() : stop();
    }
  });
  go(0);
})();
