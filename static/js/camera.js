// The webcam as a gaze source: getUserMedia → downscaled JPEG → Socket.IO `frame`.
// Each camera frame is sent once (requestVideoFrameCallback, or a new-frame check where it is missing);
// while two frames are unanswered, new camera frames are skipped, never queued.
"use strict";
class GazeCamera {
  // onCapture(canvas, t): called with each frame before it is sent (recording, overlays, tests);
  // onAck(ack, t, camera): called with the server's answer to the frame captured at t, while running.
  constructor({ width = 640, quality = 0.75, view = null, onAck = () => {}, onCapture = null, loadCalibration = true } = {}) {
    this.width = width; this.quality = quality; this.view = view; this.onAck = onAck; this.onCapture = onCapture;
    this.loadCalibration = loadCalibration;
    this.video = document.createElement("video");
    this.video.muted = true; this.video.playsInline = true;
    this.canvas = document.createElement("canvas");
    this.inFlight = 0; this.running = false; this.sent = 0; this.answered = 0; this.skipped = 0; this.frames = 0;
    this.latencies = [];
    this.lastTime = -1;
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
    if (saved) {
      const ack = await gazecast.request("calibration", { action: "load", calibration: JSON.parse(saved) });
      if (!ack.ok) localStorage.removeItem("gazecast.calibration");  // an old or broken one: calibrate again
    }
    this.watch();
  }

  stop() {
    this.running = false;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
  }

  // Call onFrame once per new camera frame.
  watch() {
    if (!this.running) return;
    if (this.video.requestVideoFrameCallback) {
      this.video.requestVideoFrameCallback(() => { this.onFrame(); this.watch(); });
    } else {
      if (this.video.currentTime !== this.lastTime) { this.lastTime = this.video.currentTime; this.onFrame(); }
      setTimeout(() => this.watch(), 5);
    }
  }

  onFrame() {
    if (!this.running || this.video.readyState < 2) return;
    this.frames += 1;
    if (this.inFlight >= 2) { this.skipped += 1; return; }
    this.send();
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
      if (this.running) this.onAck(ack, t, this);  // acks of frames sent before stop() are dropped
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
