// DOM builders. Message data only ever reaches the page through textContent;
// the only markup made from it is an <a> for an http(s) URL.
import { TEXT } from "./strings.js";

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

const URL_RE = /https?:\/\/[^\s<>"'\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+/g;
const TRAILING = /[.,;:!?)\]}]+$/;

/** Append text to `parent`, turning http(s) URLs into links and nothing else. */
export function appendRichText(parent, text) {
  const value = String(text ?? "");
  let last = 0;
  for (const match of value.matchAll(URL_RE)) {
    let raw = match[0];
    const trail = raw.match(TRAILING);
    if (trail) raw = raw.slice(0, -trail[0].length);
    const href = safeHref(raw);
    if (!href) continue;
    parent.append(value.slice(last, match.index));
    const a = el("a", "lw-link", raw);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    parent.append(a);
    last = match.index + raw.length;
  }
  parent.append(value.slice(last));
}

export function safeHref(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function srLabel(text) {
  return el("span", "lw-sr", text);
}

/** One chat bubble (user, bot or system note). */
export function bubble(item) {
  const row = el("div", `lw-msg lw-${item.who}`);
  row.dataset.id = item.id;
  if (item.who === "system") {
    row.append(el("p", "lw-note", item.text));
    return row;
  }
  const body = el("div", "lw-bubble");
  body.append(srLabel(item.who === "user" ? TEXT.you : TEXT.bot));
  appendRichText(body, item.text);
  row.append(body);
  return row;
}

/** Quick-reply buttons; `onPick(button)` is called with {title, payload}. */
export function quickReplies(buttons, onPick) {
  const group = el("div", "lw-replies");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", TEXT.repliesLabel);
  for (const b of buttons) {
    const button = el("button", "lw-reply", b.title);
    button.type = "button";
    button.addEventListener("click", () => onPick(b));
    group.append(button);
  }
  return group;
}

function signalBlock(signal, principal) {
  const article = el("article", "lw-signal");
  article.dataset.signal = String(signal.id ?? "");
  const head = el("div", "lw-signal-head");
  const level = TEXT.severity[signal.severity];
  if (level) head.append(el("span", `lw-badge lw-sev-${signal.severity}`, level));
  if (principal.length && !principal.includes(signal.id)) head.append(el("span", "lw-badge lw-minor", TEXT.secondary));
  head.append(el("h3", "lw-signal-name", signal.name));
  article.append(head);
  if (signal.summary) article.append(el("p", "lw-summary", signal.summary));
  const steps = Array.isArray(signal.steps) ? signal.steps : [];
  if (steps.length) {
    article.append(el("p", "lw-steps-title", TEXT.steps));
    const list = el("ol", "lw-steps");
    for (const step of steps) {
      const li = el("li");
      appendRichText(li, step.action);
      if (step.horizon) li.append(" ", el("span", "lw-horizon", step.horizon));
      list.append(li);
    }
    article.append(list);
  }
  const details = el("details", "lw-why");
  details.append(el("summary", null, TEXT.why));
  const why = typeof signal.why === "string" && signal.why ? signal.why : signal.summary;
  if (why) details.append(el("p", null, why));
  details.append(el("p", "lw-control", signal.in_control === false ? TEXT.notInControl : TEXT.inControl));
  article.append(details);
  return article;
}

/** The diagnosis card: every signal with its steps, then the honesty note. */
export function diagnosisCard(item) {
  const d = item.diagnosis || {};
  const signals = Array.isArray(d.signals) ? d.signals : [];
  const principal = Array.isArray(d.principal) ? d.principal : [];
  const row = el("div", "lw-msg lw-bot lw-card-row");
  row.dataset.id = item.id;
  const card = el("section", "lw-card");
  card.setAttribute("aria-label", TEXT.cardLabel);
  card.append(srLabel(TEXT.bot), el("h2", "lw-card-title", item.whatIf ? TEXT.cardWhatIf : TEXT.cardTitle));
  for (const signal of signals) card.append(signalBlock(signal, principal));
  if (item.note) {
    const note = el("p", "lw-honesty");
    appendRichText(note, item.note);
    card.append(note);
  }
  row.append(card);
  return row;
}

export function typingIndicator() {
  const row = el("div", "lw-msg lw-bot lw-typing");
  row.setAttribute("role", "status");
  const dots = el("div", "lw-bubble lw-dots");
  dots.setAttribute("aria-hidden", "true");
  dots.append(el("span"), el("span"), el("span"));
  row.append(srLabel(TEXT.typing), dots);
  return row;
}

/** 👍/👎 for one answer; `onRate("up"|"down")` returns a promise of success. */
export function ratingBar(answerId, current, onRate) {
  const bar = el("div", "lw-rate");
  bar.dataset.answer = answerId;
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", TEXT.rateLabel);
  const status = el("span", "lw-rate-status");
  status.setAttribute("aria-live", "polite");
  const buttons = {};
  const mark = (rating) => {
    for (const [key, b] of Object.entries(buttons)) b.setAttribute("aria-pressed", String(key === rating));
  };
  for (const [rating, emoji, label] of [["up", "👍", TEXT.up], ["down", "👎", TEXT.down]]) {
    const b = el("button", `lw-rate-btn lw-rate-${rating}`, emoji);
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.title = label;
    b.addEventListener("click", async () => {
      mark(rating);
      const ok = await onRate(rating);
      status.textContent = ok ? TEXT.thanks : TEXT.rateFailed;
      if (!ok) mark(current);
      else current = rating;
    });
    buttons[rating] = b;
    bar.append(b);
  }
  mark(current);
  bar.append(status);
  return bar;
}
