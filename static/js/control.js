// The control panel: one card per effect (switch, order, sliders), kept in step with `state`.
"use strict";
(() => {
  const root = document.getElementById("effects");
  gazecast.keepStreaming(document.getElementById("preview"));
  const message = document.getElementById("message");
  let specs = {}, order = [];
  const dragging = new Set();

  function show(text, bad) { message.textContent = text; message.className = bad ? "message bad" : "message"; }

  async function control(change) {
    const ack = await gazecast.request("control", change);
    if (!ack.ok) show(`${ack.error.code}: ${ack.error.message}`, true);
    return ack;
  }

  function card(item) {
    const spec = specs[item.name];
    const el = document.createElement("fieldset");
    el.className = "effect"; el.dataset.effect = item.name;
    el.innerHTML = `<legend><label><input type="checkbox" class="enabled"> ${item.name}</label>
      <button class="up" title="run earlier">▲</button><button class="down" title="run later">▼</button></legend>
      <p class="desc"></p>`;
    el.querySelector(".desc").textContent = spec.description;
    el.querySelector(".enabled").addEventListener("change", (ev) =>
      control({ effect: item.name, enabled: ev.target.checked }));
    el.querySelector(".up").addEventListener("click", () => move(item.name, -1));
    el.querySelector(".down").addEventListener("click", () => move(item.name, +1));
    for (const p of spec.params) el.appendChild(slider(item.name, p));
    return el;
  }

  // The gaze filter's card: same sliders, sent as {filter: {...}} (it smooths camera gaze, not the video).
  function filterCard(params) {
    const el = document.createElement("fieldset");
    el.className = "effect filter"; el.dataset.filter = "1";
    el.innerHTML = `<legend>gaze filter</legend><p class="desc">One Euro smoothing and fixation detection of camera gaze.</p>`;
    for (const p of params) el.appendChild(slider(null, p));
    return el;
  }

  function slider(effect, p) {
    const row = document.createElement("label");
    row.className = "param"; row.title = p.description;
    const step = p.type === "int" ? 1 : (p.max - p.min) / 200;
    row.innerHTML = p.type === "bool"
      ? `<span class="name">${p.name}</span><input type="checkbox" class="param-bool" data-param="${p.name}"><output></output>`
      : `<span class="name">${p.name}</span>
      <input type="range" min="${p.min}" max="${p.max}" step="${step}" data-param="${p.name}" data-type="${p.type}">
      <output></output>`;
    const input = row.querySelector("input"), out = row.querySelector("output");
    let queued = null, busy = false;
    async function push() {
      if (busy || queued === null) return;
      const v = queued; queued = null; busy = true;
      await control(effect ? { effect, params: { [p.name]: v } } : { filter: { [p.name]: v } });
      busy = false; push();
    }
    if (p.type === "bool") input.dataset.type = "bool";
    input.addEventListener("pointerdown", () => dragging.add(input));
    input.addEventListener("pointerup", () => dragging.delete(input));
    input.addEventListener(p.type === "bool" ? "change" : "input", () => {
      if (p.type === "bool") queued = input.checked;
      else queued = p.type === "int" ? parseInt(input.value, 10) : parseFloat(input.value);
      out.textContent = fmt(queued, p.type);
      push();
    });
    return row;
  }

  // Shown value of a parameter: on/off, an integer, or three decimals.
  function fmt(v, type) { return type === "bool" ? (v ? "on" : "off") : type === "int" ? String(Math.round(v)) : Number(v).toFixed(3); }

  // Put a state's values into a card's inputs (not into the one being dragged).
  function fill(el, values) {
    for (const input of el.querySelectorAll("input[data-param]")) {
      const v = values[input.dataset.param];
      if (input.type === "checkbox") input.checked = !!v;
      else if (!dragging.has(input)) input.value = v;
      input.nextElementSibling.textContent = fmt(v, input.type === "checkbox" ? "bool" : input.dataset.type);
    }
  }

  function move(name, delta) {
    const i = order.indexOf(name), j = i + delta;
    if (j < 0 || j >= order.length) return;
    const next = [...order]; [next[i], next[j]] = [next[j], next[i]];
    control({ order: next });
  }

  // The content card: which source the channel shows, at which size.
  const sourceSel = document.getElementById("source"), sizeSel = document.getElementById("size");
  async function loadSources() {
    const { sources } = await (await fetch("/api/sources")).json();
    sourceSel.replaceChildren(...sources.map((s) => new Option(s.split("/").pop(), s)));
  }
  sourceSel.addEventListener("change", () => control({ source: sourceSel.value }));
  sizeSel.addEventListener("change", () => control({ size: sizeSel.value.split("x").map(Number) }));

  async function refreshSpecs() {
    const { effects } = await (await fetch("/api/effects")).json();
    specs = Object.fromEntries(effects.map((e) => [e.name, e]));
  }

  async function render(state) {
    if (state.effects.some((e) => !specs[e.name])) await refreshSpecs();  // a shader was dropped in
    const names = new Set(state.effects.map((e) => e.name));
    for (const c of [...root.children]) if (!names.has(c.dataset.effect)) c.remove();
    if (![...sourceSel.options].some((o) => o.value === state.source)) sourceSel.add(new Option(state.source, state.source));
    sourceSel.value = state.source;
    const size = state.size.join("x");
    if (![...sizeSel.options].some((o) => o.value === size)) sizeSel.add(new Option(size));
    sizeSel.value = size;
    order = state.effects.map((e) => e.name);
    const existing = new Map([...root.children].map((c) => [c.dataset.effect, c]));
    for (const item of state.effects) {
      const el = existing.get(item.name) || card(item);
      root.appendChild(el);  // appending an existing node moves it: the DOM follows the order
      el.querySelector(".enabled").checked = item.enabled;
      el.classList.toggle("off", !item.enabled);
      fill(el, item.params);
    }
    const filterEl = document.querySelector("fieldset[data-filter]");
    if (filterEl && state.filter) {
      fill(filterEl, state.filter);
    }
    const errors = state.shader_errors || [];
    if (errors.length) show(errors.map((e) => `${e.effect}: ${e.path.split("/").pop()}:${e.line}: ${e.message}`).join("\n"), true);
    else if (state.error) show(state.error, true);
    else if (message.className === "message bad" && message.dataset.kind === "shader") show("", false);
    message.dataset.kind = errors.length ? "shader" : "";
  }

  gazecast.socket.on("connect", async () => {
    const ack = await gazecast.request("join", {});
    if (!ack.ok) return show(`${ack.error.code}: ${ack.error.message}`, true);
    specs = Object.fromEntries(ack.effects.map((e) => [e.name, e]));
    await loadSources();
    if (!document.querySelector("fieldset[data-filter]")) root.after(filterCard(ack.filter));
    render(ack.state);
  });
  gazecast.socket.on("state", (state) => { if (Object.keys(specs).length) render(state); });

  // How the channel renders now: the frame rate, which path took the last frame (the CPU twins on a
  // software GL, or GL) and the stage times, so the cost of a change shows as it is made.
  const pipelineEl = document.getElementById("pipeline");
  async function pollPipeline() {
    try {
      const c = (await gazecast.getJSON("/healthz")).channels[gazecast.channel];
      if (!c) return;
      const ms = (k) => (c.stage_ms[k] == null ? "–" : c.stage_ms[k].toFixed(1));
      const gl = `GL (${c.gl ? c.gl.renderer : "?"})`;
      const path = { cpu: "CPU twin (OpenCV)", mixed: `CPU twins (OpenCV) and ${gl}` }[c.render_path] || gl;
      pipelineEl.textContent = `${c.fps.toFixed(1)} fps · rendered by ${path} · render ${ms("render")} ms · `
        + `encode ${ms("encode")} ms`;
      pipelineEl.dataset.path = c.render_path || "";
    } catch (e) { pipelineEl.textContent = "–"; }
  }
  setInterval(pollPipeline, 2000); pollPipeline();
})();
