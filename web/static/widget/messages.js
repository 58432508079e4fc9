// Bot messages as data: what a `bot_uttered` event carries, and how a diagnosis payload
// folds the answer's report texts into one card. Pure functions, no DOM.

/** The `diagnosis` object at any depth of a custom payload (the contract), or null. */
export function findDiagnosis(value, depth = 0) {
  if (!value || typeof value !== "object" || depth > 6) return null;
  if (value.diagnosis && typeof value.diagnosis === "object" && !Array.isArray(value.diagnosis)) return value.diagnosis;
  for (const child of Object.values(value)) {
    const found = findDiagnosis(child, depth + 1);
    if (found) return found;
  }
  return null;
}

export function buttonsOf(message) {
  const raw = Array.isArray(message.quick_replies) ? message.quick_replies : Array.isArray(message.buttons) ? message.buttons : [];
  return raw
    .filter((b) => b && typeof b.title === "string" && b.title)
    .map((b) => ({ title: b.title, payload: typeof b.payload === "string" && b.payload ? b.payload : b.title }));
}

/** A `bot_uttered` event as a log item (without id/answer), or null if there is nothing to show. */
export function toItem(message) {
  if (!message || typeof message !== "object") return null;
  const diagnosis = findDiagnosis(message);
  if (diagnosis) {
    const custom = message.custom && typeof message.custom === "object" ? message.custom : message;
    return { who: "bot", kind: "card", diagnosis, whatIf: Boolean(custom.what_if) };
  }
  if (typeof message.text === "string" && message.text.trim()) {
    const buttons = buttonsOf(message);
    return { who: "bot", kind: "text", text: message.text, buttons: buttons.length ? buttons : undefined };
  }
  return null;
}

// utter_report_signal's first line: "原因2：<signal name>" (older texts: "2. <signal name>")
const RANKED = /^\s*(?:原因\s*)?\d+\s*[.、．:：]\s*(.+?)\s*$/;

/**
 * Fold a card into its answer: report texts that start with "原因<rank>：<signal name>" say the
 * same as the card and are dropped; the text sent just before the payload (the honesty
 * note) becomes the card's footer. Returns {items, removed, before}: the new list, the ids
 * dropped, and the id of the item the card goes before (null: at the end).
 */
export function foldCard(items, card) {
  const names = new Set((card.diagnosis.signals || []).map((s) => s && s.name).filter(Boolean));
  const inAnswer = (i) => i.answer === card.answer && i.who === "bot" && i.kind === "text";
  const isSignalText = (i) => {
    const m = inAnswer(i) && !i.buttons && String(i.text).split("\n")[0].match(RANKED);
    return Boolean(m && names.has(m[1]));
  };
  const removed = new Set(items.filter(isSignalText).map((i) => i.id));
  const last = items[items.length - 1];
  if (!card.whatIf && names.size && last && inAnswer(last) && !last.buttons && !removed.has(last.id)) {
    card.note = last.text;
    removed.add(last.id);
  }
  const firstSignal = items.find((i) => removed.has(i.id) && isSignalText(i));
  let before = null;
  if (firstSignal) {
    const at = items.indexOf(firstSignal);
    const next = items.slice(at).find((i) => !removed.has(i.id));
    before = next ? next.id : null;
  }
  const kept = items.filter((i) => !removed.has(i.id));
  const index = before ? kept.findIndex((i) => i.id === before) : kept.length;
  kept.splice(index, 0, card);
  return { items: kept, removed: [...removed], before };
}
