// Shared by every page: one Socket.IO connection to the page's channel, acknowledged emits.
"use strict";
const gazecast = (() => {
  const channel = document.body.dataset.channel || "main";
  const socket = io({ auth: { channel }, transports: ["websocket", "polling"] });
  const conn = document.getElementById("conn");
  socket.on("connect", () => { conn.textContent = "connected"; conn.className = "conn ok"; });
  socket.on("disconnect", () => { conn.textContent = "disconnected"; conn.className = "conn bad"; });

  // Emit an event and resolve with its acknowledgement ({ok: true, ...} or {ok: false, error}).
  function request(event, payload, timeoutMs = 5000) {
    return new Promise((resolve) => {
      socket.timeout(timeoutMs).emit(event, { channel, ...payload }, (err, ack) => {
        resolve(err ? { ok: false, error: { code: "timeout", message: "no answer from the server" } } : ack);
      });
    });
  }
  return { channel, socket, request };
})();
