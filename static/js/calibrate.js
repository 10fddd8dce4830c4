// Calibration: targets over the whole window while the camera streams; fit; validate; report.
"use strict";
(() => {
  const field = document.getElementById("field"), target = document.getElementById("target");
  const report = document.getElementById("report"), redo = document.getElementById("redo");
  const DWELL_MS = Number(new URLSearchParams(location.search).get("dwell") || 1500);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const call = async (payload) => {
    const ack = await gazecast.request("calibration", payload);
    if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
    return ack;
  };

  // Each dot for DWELL_MS on a fixed schedule (round trips do not stretch it); returns when the last ends.
  async function show(points) {
    let next = performance.now();
    for (const [x, y] of points) {
      target.style.left = `${x * 100}%`; target.style.top = `${y * 100}%`;
      await call({ action: "target", x, y, t: Date.now() / 1000 });
      next += DWELL_MS;
      await sleep(Math.max(0, next - performance.now()));
    }
  }

  async function run() {
    const camera = new GazeCamera({});
    localStorage.removeItem("gazecast.calibration");
    localStorage.removeItem("gazecast.calibration_id");  // the account's copy (static/js/account.js)
    try {
      // the server's tracker is made and reset before the camera starts, so the first dot follows at once
      await call({ action: "clear" });
      const cm = Number(document.getElementById("screen-cm").value);
      const start = await call({ action: "start", points: Number(document.getElementById("points").value),
                                 screen_mm: [cm * 10, cm * 10 * screen.height / screen.width] });
      await camera.start();
      field.hidden = false;
      await show(start.targets);
      const fit = await call({ action: "fit" });
      await show(fit.validation_targets);
      const result = await call({
        action: "validate", screen_px: [screen.width * devicePixelRatio, screen.height * devicePixelRatio],
        screen_cm: Number(document.getElementById("screen-cm").value),
        distance_cm: Number(document.getElementById("distance-cm").value) });
      const r = result.report;
      const figures = `accuracy ${r.accuracy_px.toFixed(0)} px (${r.accuracy_deg.toFixed(2)}°), ` +
        `precision RMS ${r.precision_rms_px.toFixed(1)} px (${r.precision_rms_deg.toFixed(2)}°), ` +
        `${r.n_targets} of ${fit.validation_targets.length} validation targets.`;
      report.dataset.quality = r.quality;
      if (r.quality === "poor") {
        report.textContent = `${figures}\nThis calibration is poor: ${r.advice} It was not saved.`;
      } else {
        localStorage.setItem("gazecast.calibration", JSON.stringify(fit.calibration));
        report.textContent = `${figures}\n${r.quality === "good" ? "Good." : "Fair: " + r.advice} ` +
          "Saved: the viewer uses it when its camera starts.";
      }
      redo.hidden = r.quality === "good";
      window.gazecastReport = r;
      if (r.quality !== "poor") {  // account.js keeps it for a logged-in user
        const points = Number(document.getElementById("points").value);
        document.dispatchEvent(new CustomEvent("gazecast:calibrated", { detail: { calibration: fit.calibration, report: r, points } }));
      }
    } catch (e) {
      report.textContent = `calibration failed: ${e.message}`;
      redo.hidden = false;
      window.gazecastReport = { error: e.message };
    } finally {
      field.hidden = true; camera.stop();
    }
  }
  document.getElementById("start").addEventListener("click", run);
  redo.addEventListener("click", () => { redo.hidden = true; run(); });
})();
