// Record my gaze on this channel: the Record button and the indicator (duration, samples) of the viewer and the panel.
"use strict";
(() => {
  const button = document.getElementById("record"), indicator = document.getElementById("rec-indicator");
  if (!button || !document.body.dataset.user) return;
  let running = null, started = 0, samples = 0, error = null, timer = null;
  const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

  function show() {
    button.textContent = running ? "■ Stop" : "● Record";
    button.classList.toggle("on", !!running);
    if (!running) return;
    const seconds = (Date.now() - started) / 1000;
    indicator.textContent = `recording ${clock(seconds)} · ${samples} samples` + (error ? ` · ${error}` : "");
    indicator.className = error ? "rec-indicator live bad" : "rec-indicator live";
  }
  function begin(id, since) {
    running = id; started = since; error = null;
    clearInterval(timer); timer = setInterval(show, 250); show();
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    if (!running) {
      const calibration_id = window.gazecastCalibrationId ? window.gazecastCalibrationId() : null;
      const ack = await gazecast.request("record", { action: "start", ...(calibration_id ? { calibration_id } : {}) });
      window.gazecastRecord = ack;
      if (ack.ok) { samples = 0; begin(ack.id, Date.now()); }
      else indicator.textContent = `not recording: ${ack.error.message}`;
    } else {
      const ack = await gazecast.request("record", { action: "stop" }, 15000);
      window.gazecastRecord = ack;
      clearInterval(timer);
      if (ack.ok) {
        running = null; show();
        indicator.innerHTML = `stored <b id="rec-samples">${ack.samples}</b> samples · <a id="rec-link" href="/recordings/${ack.id}">open the recording</a>`;
        indicator.className = "rec-indicator";
      } else { error = ack.error.message; show(); }
    }
    button.disabled = false;
  });

  // The server's count every second, on every page of mine on this channel (a panel sees the viewer's recording).
  gazecast.socket.on("recording", (s) => {
    if (s.channel !== gazecast.channel) return;
    if (!s.running) {
      if (running === s.id) { running = null; clearInterval(timer); show(); indicator.textContent = `stopped · ${s.samples} samples stored`; }
      return;
    }
    if (running !== s.id) begin(s.id, Date.now() - s.duration * 1000);
    samples = s.samples; error = s.error ? `database: ${s.error}` : null; show();
  });
  gazecast.socket.on("connect", async () => {
    const ack = await gazecast.request("record", { action: "status" });
    if (ack.ok && ack.recording) { samples = ack.recording.samples; begin(ack.recording.id, Date.now() - ack.recording.duration * 1000); }
  });
})();
