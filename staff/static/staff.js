// Staff console: copy buttons and a live transcript. No inline scripts (strict CSP).
"use strict";

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement("textarea");
  area.value = text;
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  await copyText(source.textContent.trim());
  const note = button.parentElement.querySelector(".copied");
  if (note) { note.hidden = false; setTimeout(() => { note.hidden = true; }, 2000); }
});

const WHO = { user: "客户", bot: "机器人", staff: "客服 " };

function renderTranscript(box, messages) {
  box.replaceChildren();
  for (const m of messages) {
    const div = document.createElement("div");
    div.className = "bubble " + m.who;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = WHO[m.who] + (m.who === "staff" ? m.staff : "");
    div.append(who, document.createTextNode(m.text));
    box.appendChild(div);
  }
}

const box = document.querySelector("[data-poll]");
if (box) {
  let last = Number(box.dataset.count || 0);
  setInterval(async () => {
    try {
      const resp = await fetch(box.dataset.poll, { credentials: "same-origin" });
      if (!resp.ok) return;
      const data = await resp.json();
      if (data.messages.length !== last) {
        last = data.messages.length;
        renderTranscript(box, data.messages);
      }
    } catch (e) { /* offline for a moment: try again next tick */ }
  }, 4000);
}
