// A logged-in user's calibrations follow them: kept after /calibrate, loaded into a browser that has none.
"use strict";
(() => {
  const user = document.body.dataset.user;
  if (!user) return;
  const keep = (c) => {
    localStorage.setItem("gazecast.calibration", JSON.stringify(c.calibration));
    localStorage.setItem("gazecast.calibration_id", c.id);
    localStorage.setItem("gazecast.calibration_user", user);
  };

  // calibrate.js announces a fitted and validated calibration: save it to the account.
  document.addEventListener("gazecast:calibrated", async (ev) => {
    const ack = await gazecast.request("calibrations", { action: "save", ...ev.detail });
    const report = document.getElementById("report");
    if (ack.ok) {
      localStorage.setItem("gazecast.calibration_id", ack.id);
      localStorage.setItem("gazecast.calibration_user", user);
    }
    if (report) report.textContent += ack.ok ? " Kept in your account." : ` Not kept in your account: ${ack.error.message}`;
    window.gazecastSaved = ack;
  });

  // A browser without a calibration of this user gets the account's newest one (camera.js loads it).
  async function sync() {
    const owner = localStorage.getItem("gazecast.calibration_user");  // null: made here before logging in, kept
    if (localStorage.getItem("gazecast.calibration") && (owner === null || owner === user)) return;
    const r = await fetch("/api/calibrations/latest");
    if (r.ok) keep(await r.json());
  }
  if (!location.pathname.startsWith("/calibrate")) sync();

  // The account page: use an older calibration in this browser.
  for (const b of document.querySelectorAll(".use-calibration")) {
    b.addEventListener("click", async () => {
      const r = await fetch(`/api/calibrations/${b.dataset.id}`);
      if (r.ok) { keep(await r.json()); b.textContent = "in use"; }
    });
  }

  // The calibration id this browser uses, if it is this user's (record.js sends it with a recording).
  window.gazecastCalibrationId = () =>
    localStorage.getItem("gazecast.calibration_user") === user ? localStorage.getItem("gazecast.calibration_id") : null;
})();
