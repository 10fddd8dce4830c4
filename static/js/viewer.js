// The viewer: the stream, with the pointer position sent as the gaze (at most one in flight).
"use strict";
(() => {
  const img = document.getElementById("stream");
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

  img.addEventListener("pointermove", (ev) => {
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
      const h = await (await fetch("/healthz")).json();
      const c = h.channels[gazecast.channel];
      if (c) fpsEl.textContent = `${c.fps.toFixed(1)} fps · ${c.viewers} viewer(s)`;
    } catch (e) { fpsEl.textContent = "– fps"; }
  }
  setInterval(pollFps, 2000); pollFps();
})();
