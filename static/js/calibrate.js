// Calibration: targets over the whole window while the camera streams; fit; validate; report.
"use strict";
(() => {
  const field = document.getElementById("field"), target = document.getElementById("target");
  const report = document.getElementById("report");
  const DWELL_MS = Number(new URLSearchParams(location.search).get("dwell") || 1500);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const call = async (payload) => {
    const ack = await gazecast.request("calibration", payload);
    if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
    return ack;
  };

  async function show(points) {
    for (const [x, y] of points) {
      target.style.left = `${x * 100}%`; target.style.top = `${y * 100}%`;
      await call({ action: "target", x, y, t: Date.now() / 1000 });
      await sleep(DWELL_MS);
    }
  }

  async function run() {
    const camera = new GazeCamera({});
    localStorage.removeItem("gazecast.calibration");
    localStorage.removeItem("gazecast.calibration_id");  // the account's copy (static/js/account.js)
    await camera.start();
    await call({ action: "clear" });
    field.hidden = false;
    try {
      const start = await call({ action: "start", points: Number(document.getElementById("points").value) });
      await show(start.targets);
      const fit = await call({ action: "fit" });
      await show(fit.validation_targets);
      const result = await call({
        action: "validate", screen_px: [screen.width * devicePixelRatio, screen.height * devicePixelRatio],
        screen_cm: Number(document.getElementById("screen-cm").value),
        distance_cm: Number(document.getElementById("distance-cm").value) });
      localStorage.setItem("gazecast.calibration", JSON.stringify(fit.calibration));
      const r = result.report;
      report.textContent = `accuracy ${r.accuracy_px.toFixed(0)} px (${r.accuracy_deg.toFixed(2)}°), ` +
        `precision RMS ${r.precision_rms_px.toFixed(1)} px (${r.precision_rms_deg.toFixed(2)}°), ` +
        `${r.n_targets} validation targets. Saved: the viewer uses it when its camera starts.`;
      window.gazecastReport = r;
      const points = Number(document.getElementById("points").value);  // account.js keeps it for a logged-in user
      document.dispatchEvent(new CustomEvent("gazecast:calibrated", { detail: { calibration: fit.calibration, report: r, points } }));
    } catch (e) {
      report.textContent = `calibration failed: ${e.message}`;
      window.gazecastReport = { error: e.message };
    } finally {
      field.hidden = true; camera.stop();
    }
  }
  document.getElementById("start").addEventListener("click", run);
})();
