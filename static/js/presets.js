// The control panel's presets card: save the chain under a name, load mine or a shared one, delete mine.
"use strict";
(() => {
  const save = document.getElementById("preset-save");
  if (!save) return;
  const name = document.getElementById("preset-name"), shared = document.getElementById("preset-shared");
  const list = document.getElementById("preset-list"), message = document.getElementById("preset-message");
  const say = (text, bad) => { message.textContent = text; message.className = bad ? "message bad" : "message"; };

  async function refresh() {
    const ack = await gazecast.request("preset", { action: "list" });
    if (!ack.ok) return say(`${ack.error.code}: ${ack.error.message}`, true);
    const mine = ack.mine.map((p) => new Option(`${p.name}${p.shared ? " (shared)" : ""}`, JSON.stringify({ id: p.id })));
    const theirs = ack.shared.map((p) => new Option(`${p.name} · by ${p.owner}`, JSON.stringify({ id: p.id, theirs: true })));
    list.replaceChildren(...mine, ...theirs);
  }

  save.addEventListener("click", async () => {
    const ack = await gazecast.request("preset", { action: "save", name: name.value, shared: shared.checked });
    if (!ack.ok) return say(`${ack.error.code}: ${ack.error.message}`, true);
    say(`saved "${ack.preset.name}"`); refresh();
  });
  document.getElementById("preset-load").addEventListener("click", async () => {
    if (!list.value) return;
    const ack = await gazecast.request("preset", { action: "load", id: JSON.parse(list.value).id });
    say(ack.ok ? `loaded "${ack.preset.name}"` : `${ack.error.code}: ${ack.error.message}`, !ack.ok);
  });
  document.getElementById("preset-delete").addEventListener("click", async () => {
    if (!list.value || JSON.parse(list.value).theirs) return say("only your own presets can be deleted", true);
    const ack = await gazecast.request("preset", { action: "delete", id: JSON.parse(list.value).id });
    say(ack.ok ? "deleted" : `${ack.error.code}: ${ack.error.message}`, !ack.ok); refresh();
  });
  gazecast.socket.on("connect", refresh);
})();
