// A recording's page: render its replay video in the background, with progress pushed over Socket.IO.
"use strict";
(() => {
  const id = document.querySelector(".recording").dataset.id;
  const button = document.getElementById("replay"), bar = document.getElementById("replay-progress");
  const status = document.getElementById("replay-status"), link = document.getElementById("replay-link");

  function show(job) {
    if (job.id !== id) return;
    window.gazecastReplay = job;
    bar.hidden = job.state !== "running";
    bar.max = job.total || 1; bar.value = job.done;
    status.textContent = job.state === "running" ? `rendering ${job.done}/${job.total || "?"} frames`
      : job.state === "done" ? "ready" : `failed: ${job.message}`;
    link.hidden = job.state !== "done";
    button.disabled = job.state === "running";
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    const ack = await gazecast.request("replay", { id });
    if (ack.ok) show(ack.job); else { status.textContent = `${ack.error.code}: ${ack.error.message}`; button.disabled = false; }
  });
  gazecast.socket.on("replay", show);
})();
