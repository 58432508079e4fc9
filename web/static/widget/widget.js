// Entry point of the embeddable chat widget (an ES module, no build step).
//
//   <script>window.LoanwhyChat = { server: "https://chat.example.com/", title: "贷款咨询" };</script>
//   <script type="module" src="https://chat.example.com/widget/widget.js"></script>
//
// The widget lives in a shadow root so the host page's CSS cannot break it (nor it the page).
import { Chat } from "./chat.js";
import { TEXT } from "./strings.js";

const COLOR_VARS = { primary: "--lw-primary", primaryText: "--lw-on-primary", background: "--lw-bg", text: "--lw-text" };
const RETRY_MS = 3000;

function readConfig() {
  const user = window.LoanwhyChat && typeof window.LoanwhyChat === "object" ? window.LoanwhyChat : {};
  const server = new URL(user.server || new URL("..", import.meta.url));
  if (!server.pathname.endsWith("/")) server.pathname += "/";
  const text = (value, fallback) => (typeof value === "string" && value.trim() ? value.trim() : fallback);
  return {
    server: server.href,
    socket: user.socket,
    title: text(user.title, TEXT.title),
    subtitle: text(user.subtitle, TEXT.subtitle),
    welcome: text(user.welcome, TEXT.welcome),
    starters: Array.isArray(user.starters) ? user.starters.filter((s) => typeof s === "string" && s) : TEXT.starters,
    colors: user.colors && typeof user.colors === "object" ? user.colors : {},
    open: user.open === true,
  };
}

function applyColors(host, colors) {
  for (const [key, variable] of Object.entries(COLOR_VARS)) {
    const value = colors[key];
    if (typeof value === "string" && CSS.supports("color", value)) host.style.setProperty(variable, value);
  }
}

async function socketSettings(config, onWait) {
  const given = config.socket;
  if (typeof given === "string") return { url: given, path: "/socket.io/" };
  if (given && typeof given.url === "string") return { url: given.url, path: given.path || "/socket.io/" };
  for (;;) {
    try {
      const res = await fetch(new URL("api/config", config.server), { cache: "no-store" });
      if (res.ok) return (await res.json()).socket;
    } catch {
      // the server is not reachable yet: keep trying and say so in the window
    }
    onWait();
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

async function main() {
  if (window.__loanwhyChat) return;
  const config = readConfig();
  const host = document.createElement("div");
  host.id = "loanwhy-chat";
  applyColors(host, config.colors);
  const shadow = host.attachShadow({ mode: "open" });
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("widget.css", import.meta.url).href;
  const loaded = new Promise((resolve) => {
    css.addEventListener("load", resolve);
    css.addEventListener("error", resolve);
  });
  shadow.append(css);
  document.body.append(host);
  const chat = new Chat(config);
  window.__loanwhyChat = chat;
  await loaded;
  chat.mount(shadow);
  chat.connect(await socketSettings(config, () => chat.setStatus("connecting")));
}

main();
