// The viewer: the stream, with the pointer position sent as the gaze (at most one in flight).
"use strict";
(() => {
  const img = document.getElementById("stream");
  gazecast.keepStreaming(img);
  const dot = document.getElementById("dot");
  const rttEl = document.getElementById("rtt");
  const fpsEl = document.getElementById("fps");
  let pending = null, inFlight = false;
  const rtts = [];

  function send() {
    if (inFlight || !pending) return;
    const p = pending; pending = null; inFlight = true;
    const t0 = performance.now();
    gazecast.request("gaze", { x: p.x, y: p.y, t: Date.now() / 1000 }).then((ack) => {
      inFlight = false;
      rtts.push(performance.now() - t0); if (rtts.length > 30) rtts.shift();
      const sorted = [...rtts].sort((a, b) => a - b);
      rttEl.textContent = `round trip ${sorted[sorted.length >> 1].toFixed(1)} ms`;
      if (!ack.ok) rttEl.textContent = `gaze refused: ${ack.error.code}`;
      send();
    });
  }

  // The camera: when it runs, the server's gaze samples move the effect and the dot; the mouse rests.
  const button = document.getElementById("camera");
  const sourceEl = document.getElementById("source"), eyeEl = document.getElementById("eye");
  let camera = null;
  window.gazecastSamples = [];  // every sample the camera produced, for inspection and tests
  function showSample(ack, t, cam) {
    rttEl.textContent = `round trip ${cam.medianLatency().toFixed(1)} ms`;
    if (!ack.ok) { sourceEl.textContent = `camera (${ack.error.code})`; return; }
    if (!ack.gaze) { sourceEl.textContent = `camera (${ack.reason})`; return; }
    const g = ack.gaze;
    window.gazecastSamples.push(g);
    if (window.gazecastSamples.length > 5000) window.gazecastSamples.shift();
    sourceEl.textContent = g.extra.calibrated ? "camera" : "camera (not calibrated)";
    eyeEl.textContent = `pupil ${g.pupil_mm.toFixed(1)} mm · ${g.blink ? "blink" : "open"} · `;
    dot.hidden = false; dot.style.left = `${g.x * 100}%`; dot.style.top = `${g.y * 100}%`;
  }
  button.addEventListener("click", async () => {
    if (camera) {
      camera.stop(); camera = null; button.textContent = "Use my camera"; sourceEl.textContent = "mouse";
      rttEl.textContent = "round trip –"; dot.hidden = true; return;
    }
    camera = window.gazecastCamera = new GazeCamera({ view: () => viewRect(img), onAck: showSample });
    try { await camera.start(); button.textContent = "Stop camera"; }
    catch (e) { sourceEl.textContent = `camera unavailable (${e.name})`; camera = null; }
  });

  img.addEventListener("pointermove", (ev) => {
    if (camera) return;
    const r = img.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width));
    const y = Math.min(1, Math.max(0, (ev.clientY - r.top) / r.height));
    pending = { x, y };
    dot.hidden = false;
    dot.style.left = `${x * 100}%`; dot.style.top = `${y * 100}%`;
    send();
  });

  // Frames arriving at the <img>: count loads of the multipart stream is not possible, so poll /healthz.
  async function pollFps() {
    try {
      const h = await gazecast.getJSON("/healthz");
      const c = h.channels[gazecast.channel];
      if (c) fpsEl.textContent = `${c.fps.toFixed(1)} fps · ${c.viewers} viewer(s)`;
    } catch (e) { fpsEl.textContent = "– fps"; }
  }
  setInterval(pollFps, 2000); pollFps();
})();
