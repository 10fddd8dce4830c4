// The webcam as a gaze source: getUserMedia → downscaled JPEG → Socket.IO `frame`, at most two in flight.
// The send rate adapts by itself: a frame goes out only when fewer than two are unanswered.
"use strict";
class GazeCamera {
  // onCapture(canvas, t): called with each frame before it is sent (recording, overlays, tests);
  // onAck(ack, t): called with the server's answer to the frame captured at t.
  constructor({ width = 640, quality = 0.75, view = null, onAck = () => {}, onCapture = null, loadCalibration = true } = {}) {
    this.width = width; this.quality = quality; this.view = view; this.onAck = onAck; this.onCapture = onCapture;
    this.loadCalibration = loadCalibration;
    this.video = document.createElement("video");
    this.video.muted = true; this.video.playsInline = true;
    this.canvas = document.createElement("canvas");
    this.inFlight = 0; this.running = false; this.sent = 0; this.answered = 0;
    this.latencies = [];
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    this.video.srcObject = this.stream;
    await this.video.play();
    const scale = Math.min(1, this.width / this.video.videoWidth);
    this.canvas.width = Math.round(this.video.videoWidth * scale);
    this.canvas.height = Math.round(this.video.videoHeight * scale);
    this.running = true;
    const saved = this.loadCalibration && localStorage.getItem("gazecast.calibration");
    if (saved) await gazecast.request("calibration", { action: "load", calibration: JSON.parse(saved) });
    this.tick();
  }

  stop() {
    this.running = false;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
  }

  tick() {
    if (!this.running) return;
    if (this.inFlight < 2 && this.video.readyState >= 2) this.send();
    setTimeout(() => this.tick(), 10);
  }

  send() {
    this.inFlight += 1; this.sent += 1;
    const t = Date.now() / 1000, t0 = performance.now();
    this.canvas.getContext("2d", { willReadFrequently: !!this.onCapture })
      .drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
    if (this.onCapture) this.onCapture(this.canvas, t);
    this.canvas.toBlob(async (blob) => {
      const jpeg = await blob.arrayBuffer();
      const payload = { jpeg, t };
      if (this.view) payload.view = this.view();
      const ack = await gazecast.request("frame", payload);
      this.inFlight -= 1; this.answered += 1;
      this.latencies.push(performance.now() - t0); if (this.latencies.length > 30) this.latencies.shift();
      this.onAck(ack, t);
    }, "image/jpeg", this.quality);
  }

  medianLatency() {
    const s = [...this.latencies].sort((a, b) => a - b);
    return s.length ? s[s.length >> 1] : 0;
  }
}

// The rectangle of an element in window units: [left, top, width, height].
function viewRect(el) {
  const r = el.getBoundingClientRect();
  return [r.left / innerWidth, r.top / innerHeight, r.width / innerWidth, r.height / innerHeight];
}
