// The chat launcher and window: layout, keyboard, history, feedback and the live link.
import { Connection } from "./connection.js";
import { foldCard, toItem } from "./messages.js";
import { bubble, diagnosisCard, el, quickReplies, ratingBar, typingIndicator } from "./render.js";
import * as store from "./store.js";
import { TEXT } from "./strings.js";

const SVG = "http://www.w3.org/2000/svg";

function chatIcon() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "20");
  svg.setAttribute("height", "20");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M4 4h16v11H9l-5 4z");
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

const OPEN_KEY = "loanwhy-chat:open";
const TYPING_TIMEOUT_MS = 45000;

export class Chat {
  constructor(config) {
    this.config = config;
    this.log = store.load();
    this.answer = null; // id of the bot answer being received (reset by each user message)
    this.bars = new Map();
  }

  mount(root) {
    const c = this.config;
    this.root = el("div", "lw-root");
    this.launcher = el("button", "lw-launcher");
    this.launcher.type = "button";
    this.launcher.setAttribute("aria-controls", "lw-window");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", TEXT.launcherLabel);
    const icon = chatIcon();
    this.launcher.append(icon, el("span", "lw-launcher-text", TEXT.launcher), el("span", "lw-unread-dot"));
    this.launcher.addEventListener("click", () => (this.isOpen() ? this.close() : this.open()));

    this.window = el("div", "lw-window");
    this.window.id = "lw-window";
    this.window.hidden = true;
    this.window.setAttribute("role", "dialog");
    this.window.setAttribute("aria-modal", "false");
    this.window.setAttribute("aria-labelledby", "lw-title");
    this.window.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.close();
      }
    });
    this.window.append(this.header(c), this.banner(), this.logArea(), this.form());
    this.root.append(this.window, this.launcher);
    root.append(this.root);
    this.renderAll();
    if (c.open || sessionStorage.getItem(OPEN_KEY) === "1") this.open(false);
  }

  header(c) {
    const head = el("div", "lw-header");
    const titles = el("div", "lw-titles");
    const title = el("h2", "lw-title", c.title);
    title.id = "lw-title";
    titles.append(title, el("p", "lw-subtitle", c.subtitle));
    const restart = el("button", "lw-restart", TEXT.restart);
    restart.type = "button";
    restart.title = TEXT.restartHint; // a description: the name stays the visible text (WCAG 2.5.3)
    restart.addEventListener("click", () => this.restart());
    const close = el("button", "lw-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", TEXT.close);
    close.addEventListener("click", () => this.close());
    head.append(titles, restart, close);
    return head;
  }

  banner() {
    this.bannerEl = el("div", "lw-banner");
    this.bannerEl.setAttribute("role", "status");
    this.bannerEl.hidden = true;
    return this.bannerEl;
  }

  logArea() {
    this.logEl = el("div", "lw-log");
    this.logEl.setAttribute("role", "log");
    this.logEl.setAttribute("aria-live", "polite");
    this.logEl.setAttribute("aria-label", TEXT.logLabel);
    this.logEl.tabIndex = 0;
    return this.logEl;
  }

  form() {
    const form = el("form", "lw-form");
    const label = el("label", "lw-sr", TEXT.inputLabel);
    label.htmlFor = "lw-input";
    this.input = el("textarea", "lw-input");
    this.input.id = "lw-input";
    this.input.rows = 1;
    this.input.maxLength = 1000;
    this.input.placeholder = TEXT.placeholder;
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    this.input.addEventListener("input", () => this.fitInput());
    const send = el("button", "lw-send", TEXT.send);
    send.type = "submit";
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = this.input.value;
      this.input.value = "";
      this.fitInput();
      this.sendUser(text);
    });
    form.append(label, this.input, send);
    return form;
  }

  fitInput() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  isOpen() {
    return !this.window.hidden;
  }

  open(focus = true) {
    this.window.hidden = false;
    this.root.classList.add("lw-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.setUnread(false);
    sessionStorage.setItem(OPEN_KEY, "1");
    this.scrollDown();
    if (focus) this.input.focus();
  }

  close() {
    this.window.hidden = true;
    this.root.classList.remove("lw-open");
    this.launcher.setAttribute("aria-expanded", "false");
    sessionStorage.setItem(OPEN_KEY, "0");
    this.launcher.focus();
  }

  setUnread(on) {
    this.root.classList.toggle("lw-has-unread", on);
    this.launcher.setAttribute("aria-label", on ? TEXT.launcherUnread : TEXT.launcherLabel);
  }

  // ---- rendering -------------------------------------------------------------

  renderAll() {
    this.bars.clear();
    this.logEl.replaceChildren(bubble({ id: "welcome", who: "bot", text: this.config.welcome }));
    const items = this.log.items;
    const lastUser = items.map((i) => i.who).lastIndexOf("user");
    items.forEach((item, index) => {
      this.logEl.append(this.nodeFor(item, index > lastUser));
      const next = items[index + 1];
      if (item.who === "bot" && item.answer && (!next || next.answer !== item.answer)) this.placeBar(item.answer);
    });
    if (!items.length && this.config.starters.length) {
      const starters = quickReplies(this.config.starters.map((t) => ({ title: t, payload: t })), (b) => this.pick(b));
      this.logEl.append(starters);
    }
    this.scrollDown();
  }

  nodeFor(item, withButtons) {
    if (item.kind === "card") return diagnosisCard(item);
    const node = bubble(item);
    if (withButtons && item.buttons && item.buttons.length) node.append(quickReplies(item.buttons, (b) => this.pick(b)));
    return node;
  }

  find(id) {
    return [...this.logEl.children].find((n) => n.dataset && n.dataset.id === id) || null;
  }

  placeBar(answer) {
    const items = this.log.items.filter((i) => i.answer === answer);
    const last = items.length ? this.find(items[items.length - 1].id) : null;
    if (!last) return;
    let bar = this.bars.get(answer);
    if (!bar) {
      bar = ratingBar(answer, this.log.ratings[answer], (rating) => this.rate(answer, rating));
      this.bars.set(answer, bar);
    }
    last.after(bar);
  }

  append(node) {
    if (this.typingEl && this.typingEl.isConnected) this.logEl.insertBefore(node, this.typingEl);
    else this.logEl.append(node);
    this.scrollDown();
  }

  /** Show the end of a long answer only as far as its first message stays in view. */
  scrollToAnswer(answer) {
    const first = this.log.items.find((i) => i.answer === answer);
    const node = first && this.find(first.id);
    const bottom = this.logEl.scrollHeight - this.logEl.clientHeight;
    this.logEl.scrollTop = node ? Math.min(bottom, node.offsetTop - 8) : bottom;
  }

  scrollDown() {
    this.logEl.scrollTop = this.logEl.scrollHeight;
  }

  showTyping() {
    this.typingEl = this.typingEl || typingIndicator();
    this.logEl.append(this.typingEl);
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.hideTyping(), TYPING_TIMEOUT_MS);
    this.scrollDown();
  }

  hideTyping() {
    clearTimeout(this.typingTimer);
    if (this.typingEl) this.typingEl.remove();
  }

  note(text) {
    const item = { id: store.newId("s"), who: "system", kind: "text", text };
    this.log.items.push(item);
    store.save(this.log);
    this.append(bubble(item));
  }

  // ---- conversation ----------------------------------------------------------

  pick(button) {
    this.sendUser(button.payload, button.title);
    this.input.focus();
  }

  sendUser(raw, shown) {
    const text = String(raw || "").trim();
    if (!text) return;
    this.logEl.querySelectorAll(".lw-replies").forEach((n) => n.remove());
    this.answer = null;
    const item = { id: store.newId("u"), who: "user", kind: "text", text: shown || text };
    this.log.items.push(item);
    store.save(this.log);
    this.append(bubble(item));
    this.showTyping();
    if (this.connection) this.connection.send(text);
    else (this.pending = this.pending || []).push(text);
  }

  receive(message) {
    const base = toItem(message);
    if (!base) return;
    this.hideTyping();
    if (base.kind === "card" && !(base.diagnosis.signals || []).length) return; // the text already says so
    this.answer = this.answer || store.newId("a");
    const item = { ...base, id: store.newId("m"), answer: this.answer };
    if (item.kind === "card") {
      const { items, removed, before } = foldCard(this.log.items, item);
      this.log.items = items;
      removed.forEach((id) => this.find(id)?.remove());
      const node = diagnosisCard(item);
      const anchor = before && this.find(before);
      if (anchor) anchor.before(node);
      else this.append(node);
    } else {
      this.log.items.push(item);
      this.append(this.nodeFor(item, true));
    }
    this.placeBar(item.answer);
    store.save(this.log);
    this.scrollToAnswer(item.answer);
    if (!this.isOpen()) this.setUnread(true);
  }

  answerText(answer) {
    const parts = [];
    for (const i of this.log.items.filter((x) => x.answer === answer)) {
      if (i.kind === "card") parts.push((i.diagnosis.signals || []).map((s) => s.name).join("、"), i.note || "");
      else parts.push(i.text);
    }
    return parts.filter(Boolean).join("\n").slice(0, 2000);
  }

  async rate(answer, rating) {
    if (!this.log.session) return false;
    try {
      const res = await fetch(new URL("api/feedback", this.config.server), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ conversation_id: this.log.session, message_id: answer, rating, text: this.answerText(answer) }),
      });
      if (!res.ok) return false;
      this.log.ratings[answer] = rating;
      store.save(this.log);
      return true;
    } catch {
      return false;
    }
  }

  restart() {
    const old = this.log.session;
    this.log = store.clear();
    this.answer = null;
    this.hideTyping();
    if (this.connection) this.connection.restart();
    this.renderAll();
    this.input.focus();
    if (old) this.revoke(old);
  }

  /** Tell the server the old conversation is over (a shared computer): its id opens nothing any more. */
  revoke(id) {
    fetch(new URL("api/session/revoke", this.config.server), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: id }),
      keepalive: true,
    }).catch(() => {});
  }

  connect(socket) {
    this.connection = new Connection({
      url: socket.url,
      path: socket.path,
      session: this.log.session,
      onSession: (id, previous) => {
        if (previous && previous !== id && this.log.items.length) this.note(TEXT.newSession);
        this.log.session = id;
        store.save(this.log);
        this.root.dataset.session = "ready";
      },
      onMessage: (message) => this.receive(message),
      onStatus: (status) => this.setStatus(status),
      onError: () => {
        this.hideTyping();
        this.note(TEXT.sendFailed);
      },
    });
    this.connection.start();
    for (const text of this.pending || []) this.connection.send(text);
    this.pending = [];
  }

  setStatus(status) {
    const text = { offline: TEXT.offline, connecting: TEXT.connecting }[status];
    this.bannerEl.hidden = !text;
    this.bannerEl.textContent = text || "";
    this.root.dataset.status = status;
  }
}
