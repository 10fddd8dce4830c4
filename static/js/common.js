// Shared by every page: one Socket.IO connection to the page's channel, acknowledged emits.
"use strict";
const gazecast = (() => {
  const channel = document.body.dataset.channel || "main";
  // An invitation link carries a token (?token=...): it stays with the tab and goes with every request.
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) sessionStorage.setItem("gazecast.token", fromUrl);
  const token = sessionStorage.getItem("gazecast.token") || undefined;
  const socket = io({ auth: token ? { channel, token } : { channel }, transports: ["websocket", "polling"] });
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
  // Keep an MJPEG <img> streaming: a multipart stream does not reconnect by itself. Reload it when
  // Socket.IO reconnects (the server restarted, the network came back), when the page becomes visible
  // again (the server drops a viewer whose connection takes nothing for a minute, as a hidden tab's may
  // not), and a second after an error.
  function keepStreaming(img) {
    const base = img.getAttribute("src").split("?")[0];
    const auth = token ? `&token=${encodeURIComponent(token)}` : "";
    let reloads = 0, connectedBefore = socket.connected;
    const reload = () => { img.src = `${base}?reload=${++reloads}${auth}`; };
    if (token) reload();
    socket.on("connect", () => { if (connectedBefore) reload(); connectedBefore = true; });
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") reload(); });
    img.addEventListener("error", () => setTimeout(reload, 1000));
  }
  // GET a JSON endpoint with the tab's token (/healthz shows a channel only to those who operate it).
  async function getJSON(url) {
    const r = await fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    return r.json();
  }
  return { channel, socket, request, keepStreaming, getJSON };
})();
