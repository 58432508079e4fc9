// The socket.io link to Rasa's channel. Each (re)connection first asks for a session with
// the stored signed id, so the server puts this tab back into the same conversation.
// Messages typed while offline wait here until the session is confirmed again
// (socket.io's own buffer would send them before the session request).
// WebSocket only: `rasa run --cors` and python-socketio both add CORS headers to the
// long-polling responses, and browsers refuse a doubled Access-Control-Allow-Origin.
import { io } from "../vendor/socket.io.esm.min.js";

export class Connection {
  constructor({ url, path, session, onSession, onMessage, onStatus, onError }) {
    Object.assign(this, { url, path, session, onSession, onMessage, onStatus, onError });
    this.ready = false;
    this.everConnected = false;
    this.outbox = [];
  }

  start() {
    const socket = io(this.url, {
      path: this.path,
      transports: ["websocket"],
      reconnectionDelayMax: 4000,
      timeout: 10000,
    });
    this.socket = socket;
    socket.on("connect", () => this.requestSession());
    socket.on("session_confirm", (data) => {
      const id = typeof data === "string" ? data : data && data.session_id;
      if (typeof id !== "string" || !id) return;
      const previous = this.session;
      this.session = id;
      this.ready = true;
      this.onSession(id, previous);
      this.onStatus(this.everConnected ? "reconnected" : "online");
      this.everConnected = true;
      this.flush();
    });
    socket.on("bot_uttered", (message) => this.onMessage(message));
    socket.on("error_message", (error) => this.onError(error));
    socket.on("disconnect", (reason) => {
      this.ready = false;
      if (reason === "io client disconnect") return;
      this.onStatus("offline");
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", () => this.onStatus(this.everConnected ? "offline" : "connecting"));
  }

  requestSession() {
    this.ready = false;
    this.socket.emit("session_request", { session_id: this.session });
  }

  /** Forget the conversation and ask the server for a new one. */
  restart() {
    this.session = null;
    this.outbox = [];
    if (this.socket && this.socket.connected) this.requestSession();
  }

  send(text) {
    this.outbox.push(text);
    if (this.ready) this.flush();
  }

  flush() {
    while (this.ready && this.outbox.length) {
      this.socket.emit("user_uttered", { message: this.outbox.shift(), session_id: this.session });
    }
  }
}
