// The conversation kept in this browser: the signed session id from the server and the
// messages shown so far, so a reload continues the same conversation with its history.
const KEY = "loanwhy-chat:v1";
const MAX_ITEMS = 200;

function empty() {
  return { session: null, items: [], ratings: {} };
}

export function load() {
  try {
    const data = JSON.parse(localStorage.getItem(KEY) || "null");
    if (!data || typeof data !== "object" || !Array.isArray(data.items)) return empty();
    return {
      session: typeof data.session === "string" ? data.session : null,
      items: data.items.filter((i) => i && typeof i === "object" && typeof i.id === "string"),
      ratings: data.ratings && typeof data.ratings === "object" ? data.ratings : {},
    };
  } catch {
    return empty();
  }
}

export function save(log) {
  if (log.items.length > MAX_ITEMS) log.items.splice(0, log.items.length - MAX_ITEMS);
  try {
    localStorage.setItem(KEY, JSON.stringify(log));
  } catch {
    // storage full or disabled: the chat still works, only without history after a reload
  }
}

export function clear() {
  const log = empty();
  save(log);
  return log;
}

export function newId(prefix) {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${prefix}${Date.now().toString(36)}${rand}`;
}
