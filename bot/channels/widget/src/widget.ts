// The website chat widget: one <script> tag puts the assistant on a page.
//
//   <script src="https://bot.example.com/chat/widget.js" defer
//           data-title="Acne marks assistant" data-color="#1f4e79" data-open="false"></script>
//
// Talks to Rasa's socket.io channel (credentials.yml: session_persistence: true):
//   -> session_request {session_id}   <- session_confirm "<session id>"
//   -> user_uttered {message, session_id}   <- bot_uttered {text, quick_replies?: [{title, payload}],
//                                                          custom?: {kind, section?, ...}}
// `custom` describes the message (bot/channels/web.py): it is never shown; its kind and section go on
// the message element as data-kind / data-section.
// Rasa does not replay the conversation on reconnect, so the visible transcript is kept in
// sessionStorage (or localStorage) under the session id; the same id is sent again in
// session_request, so the server-side conversation (slots, context) continues after a reload.
// Everything lives in a shadow root: the host page's CSS can't break it, and it doesn't touch the
// page's CSS. Bot text is only ever inserted as text nodes (format.ts).
// Answers get a 👍 / 👎 pair, and a 👎 a "what was missing?" box (feedback.ts); votes are kept
// with the transcript.

import { io, type Socket } from "socket.io-client";
import { h, icon, srOnly } from "./dom";
import {
  commentTarget, parseVote, renderCommentBox, renderVotes, showVote, votePayload, type Rating, type Vote,
} from "./feedback";
import { renderBotText } from "./format";
import css from "./styles.css";

interface Button {
  title: string;
  payload: string;
}

interface Item {
  who: "user" | "bot";
  text: string;
  buttons?: Button[];
  kind?: string; // from the bot message's custom payload
  section?: string;
  answer?: string; // on an answer's last message (custom.rate): its id, which votes name
  vote?: Rating; // the visitor's vote on that answer
  ask?: string; // on the bot's "what was missing?": the answer its comment box is about, until used
}

interface BotMessage {
  text?: string;
  quick_replies?: Button[];
  buttons?: Button[];
  custom?: unknown; // {kind, section?, ...}: about the message, never displayed
}

interface Options {
  serverUrl: string;
  socketPath: string;
  title: string;
  subtitle: string;
  color: string;
  colorText: string | null;
  open: boolean;
  storage: Storage | null;
  startPayload: string;
  position: "right" | "left";
}

declare global {
  interface Window {
    AcneMarksChat?: { open(): void; close(): void; toggle(): void };
  }
}

const MAX_ITEMS = 200;
const REPLY_TIMEOUT_MS = 30_000;
const DEFAULT_COLOR = "#1f4e79";
const ICON_CHAT =
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z"/></svg>';
const ICON_CLOSE =
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z"/></svg>';
const ICON_SEND =
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z"/></svg>';

// ---------------------------------------------------------------------------------------- options

function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  return document.querySelector<HTMLScriptElement>('script[src*="widget.js"]');
}

function pickStorage(kind: string | undefined): Storage | null {
  try {
    const storage = kind === "local" ? window.localStorage : window.sessionStorage;
    const probe = "__amc_probe__";
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    return null; // storage disabled (privacy mode): the widget still works, without memory
  }
}

function readOptions(script: HTMLScriptElement | null): Options {
  const data = script?.dataset ?? {};
  const scriptOrigin = script?.src ? new URL(script.src, location.href).origin : location.origin;
  return {
    serverUrl: (data.serverUrl || scriptOrigin).replace(/\/+$/, ""),
    socketPath: data.socketPath || "/socket.io",
    title: data.title || "Acne marks assistant",
    subtitle: data.subtitle || "Answers quoted from our article on post-acne marks",
    color: data.color || DEFAULT_COLOR,
    colorText: data.colorText || null,
    open: data.open === "true",
    storage: pickStorage(data.storage),
    startPayload: data.startPayload || "/greet",
    position: data.position === "left" ? "left" : "right",
  };
}

// ----------------------------------------------------------------------------------------- colour

type RGB = [number, number, number];

function parseColor(value: string, probe: HTMLElement): RGB | null {
  probe.style.color = "";
  probe.style.color = value;
  if (!probe.style.color) return null;
  const match = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(probe).color);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

function luminance([r, g, b]: RGB): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: RGB, b: RGB): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Accent colour, the text colour on it, and an accent for text on white, all WCAG AA. */
function palette(options: Options, probe: HTMLElement): Record<string, string> {
  const white: RGB = [255, 255, 255];
  const bubble: RGB = [240, 242, 245]; // --amc-bot-bg: accent text (section titles) sits on it too
  const ink: RGB = [27, 31, 36];
  const accent = parseColor(options.color, probe) ?? (parseColor(DEFAULT_COLOR, probe) as RGB);
  const css = (c: RGB) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
  const onAccent = options.colorText ?? css(contrast(accent, white) >= contrast(accent, ink) ? white : ink);
  return {
    "--amc-accent": css(accent),
    "--amc-on-accent": onAccent,
    "--amc-accent-text": contrast(accent, bubble) >= 4.5 ? css(accent) : css(ink),
  };
}

// ---------------------------------------------------------------------------------------- helpers

/** The kind and section of a bot message, from its custom payload (strings only, else left out),
 * and the id of the answer it is part of: `answer` too on the answer's last message (custom.rate). */
function describe(custom: unknown): Pick<Item, "kind" | "section" | "answer"> & { id?: string } {
  if (!custom || typeof custom !== "object") return {};
  const { kind, section, id, rate } = custom as { kind?: unknown; section?: unknown; id?: unknown; rate?: unknown };
  const answerId = typeof id === "string" && id ? id : undefined;
  return {
    ...(typeof kind === "string" && kind ? { kind } : {}),
    ...(typeof section === "string" && section ? { section } : {}),
    ...(answerId ? { id: answerId } : {}),
    ...(answerId && rate === true ? { answer: answerId } : {}),
  };
}

function asButtons(value: unknown): Button[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
    .map((b) => ({ title: b.title, payload: b.payload }));
}

// ----------------------------------------------------------------------------------------- widget

class ChatWidget {
  private readonly o: Options;
  private readonly key: string;
  private sessionId: string | null = null;
  private items: Item[] = [];
  private socket: Socket | null = null;
  private ready = false; // connected and session confirmed
  private outbox: string[] = [];
  private greeted = false;
  private lastSent: string | null = null;
  private replyTimer: number | undefined;

  private readonly shadow: ShadowRoot;
  private readonly root: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly log: HTMLDivElement;
  private readonly typing: HTMLDivElement;
  private readonly status: HTMLDivElement;
  private readonly statusText: HTMLParagraphElement;
  private readonly retry: HTMLButtonElement;
  private readonly input: HTMLTextAreaElement;
  private readonly form: HTMLFormElement;

  constructor(options: Options) {
    this.o = options;
    this.key = `acne-marks-chat:${options.serverUrl}:`;

    const host = h("div", { id: "acne-marks-chat", "data-amc": "" });
    const shadow = host.attachShadow({ mode: "open" });
    this.shadow = shadow;
    if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css); // constructed sheets also work under a strict style-src CSP
      shadow.adoptedStyleSheets = [sheet];
    } else {
      shadow.append(h("style", {}, css));
    }

    this.launcher = h("button", {
      class: "amc-launcher",
      type: "button",
      "aria-expanded": "false",
      "aria-controls": "amc-panel",
      "aria-label": `Open chat: ${options.title}`,
    });
    this.launcher.append(icon(ICON_CHAT, "amc-icon-chat"), icon(ICON_CLOSE, "amc-icon-x"));

    const close = h("button", { class: "amc-close", type: "button", "aria-label": "Close chat" });
    close.append(icon(ICON_CLOSE));
    const header = h(
      "header",
      { class: "amc-header" },
      h("div", { class: "amc-heading" },
        h("h2", { id: "amc-title", class: "amc-title" }, options.title),
        h("p", { class: "amc-subtitle" }, options.subtitle)),
      close,
    );

    this.statusText = h("p", { class: "amc-status-text" });
    this.retry = h("button", { class: "amc-retry", type: "button" }, "Retry now");
    this.status = h("div", { class: "amc-status", role: "alert", hidden: "" }, this.statusText, this.retry);

    this.log = h("div", {
      class: "amc-log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": "Conversation",
      tabindex: "0",
    });
    this.typing = h(
      "div",
      { class: "amc-typing", role: "status", hidden: "" },
      h("span", { class: "amc-dots", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
      srOnly("The assistant is typing…"),
    );

    this.input = h("textarea", {
      id: "amc-input",
      class: "amc-input",
      rows: "1",
      maxlength: "1000",
      placeholder: "Ask about acne marks…",
      autocomplete: "off",
      enterkeyhint: "send",
    });
    const send = h("button", { class: "amc-send", type: "submit" }, srOnly("Send"));
    send.prepend(icon(ICON_SEND));
    this.form = h(
      "form",
      { class: "amc-composer" },
      h("label", { class: "amc-sr", for: "amc-input" }, "Your question"),
      this.input,
      send,
    );
    const note = h("p", { class: "amc-note" }, "Quotes one article. Not medical advice.");

    this.panel = h(
      "section",
      { id: "amc-panel", class: "amc-panel", role: "dialog", "aria-labelledby": "amc-title", hidden: "" },
      header,
      this.status,
      this.log,
      this.typing,
      this.form,
      note,
    );
    this.root = h("div", { class: `amc amc-${options.position}` }, this.panel, this.launcher);
    shadow.append(this.root);
    document.body.append(host);
    for (const [name, value] of Object.entries(palette(options, this.root))) this.root.style.setProperty(name, value);
    this.root.style.color = "";

    this.launcher.addEventListener("click", () => (this.isOpen() ? this.close() : this.open(true)));
    close.addEventListener("click", () => this.close());
    this.retry.addEventListener("click", () => this.onRetry());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      }
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.input.addEventListener("input", () => this.autosize());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.autosize();
      this.send(text, text);
    });

    this.restore();
    const saved = this.load<{ open?: boolean }>("state") ?? {};
    if (saved.open ?? options.open) this.open(false);
  }

  // ------------------------------------------------------------------------------------ storage

  private load<T>(name: string): T | null {
    try {
      const raw = this.o.storage?.getItem(this.key + name);
      return raw ? (JSON.parse(raw) as T) : null;
    } catch {
      return null;
    }
  }

  private save(name: string, value: unknown): void {
    try {
      this.o.storage?.setItem(this.key + name, JSON.stringify(value));
    } catch {
      // quota or privacy mode: keep going without persistence
    }
  }

  private saveState(): void {
    this.save("state", { sessionId: this.sessionId, open: this.isOpen() });
  }

  private saveTranscript(): void {
    if (this.sessionId) this.save(`transcript:${this.sessionId}`, this.items.slice(-MAX_ITEMS));
  }

  private restore(): void {
    const state = this.load<{ sessionId?: string }>("state");
    if (!state?.sessionId) return;
    this.sessionId = state.sessionId;
    this.items = this.load<Item[]>(`transcript:${state.sessionId}`) ?? [];
    this.greeted = this.items.length > 0;
    for (const item of this.items) this.log.append(this.render(item));
  }

  // -------------------------------------------------------------------------------- open/close

  private isOpen(): boolean {
    return !this.panel.hidden;
  }

  open(focus = true): void {
    this.panel.hidden = false;
    this.root.classList.add("amc-is-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", `Close chat: ${this.o.title}`);
    this.saveState();
    this.connect();
    this.scrollToEnd();
    if (focus) this.input.focus();
  }

  close(): void {
    if (!this.isOpen()) return;
    this.panel.hidden = true;
    this.root.classList.remove("amc-is-open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", `Open chat: ${this.o.title}`);
    this.saveState();
    this.launcher.focus();
  }

  toggle(): void {
    if (this.isOpen()) this.close();
    else this.open();
  }

  // -------------------------------------------------------------------------------- connection

  private connect(): void {
    if (this.socket) return;
    const socket = io(this.o.serverUrl, {
      path: this.o.socketPath,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 4000,
      timeout: 8000,
    });
    this.socket = socket;
    socket.on("connect", () => {
      socket.emit("session_request", { session_id: this.sessionId });
    });
    socket.on("session_confirm", (data: unknown) => this.onSession(data));
    socket.on("bot_uttered", (message: BotMessage) => this.onBotMessage(message));
    socket.on("connect_error", (error: Error) => {
      if (!socket.active) {
        // refused by the server itself, not a network failure: most likely this page's origin
        console.warn(
          `[chat widget] ${this.o.serverUrl} refused the connection (${error.message}).`,
          `Is ${location.origin} in the bot's ALLOWED_ORIGINS?`,
        );
      }
      this.onConnectionLost("I can't reach the assistant right now.", socket.active);
    });
    socket.on("disconnect", (reason: string) => {
      if (reason === "io client disconnect") return;
      this.onConnectionLost("The connection to the assistant was lost.");
      if (reason === "io server disconnect") socket.connect(); // the server hung up: no automatic retry
    });
  }

  private onSession(data: unknown): void {
    const id =
      typeof data === "string" ? data : (data as { session_id?: string } | null)?.session_id ?? null;
    if (!id) return;
    if (this.sessionId && id !== this.sessionId) {
      // the server started a different conversation: the old transcript no longer applies
      this.items = [];
      this.log.replaceChildren();
      this.greeted = false;
    }
    this.sessionId = id;
    this.ready = true;
    this.root.classList.remove("amc-offline");
    this.hideStatus();
    this.saveState();
    this.saveTranscript();
    const queued = this.outbox.splice(0);
    for (const message of queued) this.emit(message);
    this.log.querySelectorAll(".amc-pending").forEach((node) => {
      node.classList.remove("amc-pending");
      node.querySelector(".amc-pending-note")?.remove();
    });
    if (!this.greeted && this.items.length === 0 && queued.length === 0) {
      this.greeted = true;
      this.send(this.o.startPayload, null);
    }
  }

  private onConnectionLost(message: string, retrying = true): void {
    this.ready = false;
    this.root.classList.add("amc-offline");
    this.setTyping(false);
    window.clearTimeout(this.replyTimer);
    this.showStatus(retrying ? `${message} Retrying automatically…` : message, "reconnect");
  }

  private onRetry(): void {
    if (this.retry.dataset.action === "resend" && this.lastSent) {
      this.hideStatus();
      this.emit(this.lastSent);
      return;
    }
    this.statusText.textContent = "Reconnecting…";
    this.socket?.disconnect();
    this.socket?.connect();
  }

  private showStatus(text: string, action: "reconnect" | "resend"): void {
    this.statusText.textContent = text;
    this.retry.dataset.action = action;
    this.retry.textContent = action === "resend" ? "Send again" : "Retry now";
    this.status.hidden = false;
  }

  private hideStatus(): void {
    this.status.hidden = true;
  }

  // ---------------------------------------------------------------------------------- messages

  /** Sends `message` (text or a /payload); shows `display` as the visitor's bubble unless null.
   * Quick replies go, except with `keepQuickReplies` (a vote is not an answer to them). */
  private send(message: string, display: string | null, keepQuickReplies = false): void {
    const vote = parseVote(message);
    if (vote) this.noteVote(vote);
    if (!keepQuickReplies) this.clearQuickReplies();
    if (display !== null) this.add({ who: "user", text: display }, !this.ready);
    if (this.ready) this.emit(message);
    else {
      this.outbox.push(message);
      this.connect();
    }
  }

  private emit(message: string): void {
    this.lastSent = message;
    this.socket?.emit("user_uttered", { message, session_id: this.sessionId });
    this.setTyping(true);
    window.clearTimeout(this.replyTimer);
    this.replyTimer = window.setTimeout(() => {
      this.setTyping(false);
      this.showStatus("The assistant hasn't answered.", "resend");
    }, REPLY_TIMEOUT_MS);
  }

  private onBotMessage(message: BotMessage): void {
    const text = typeof message?.text === "string" ? message.text.trim() : "";
    const buttons = asButtons(message?.quick_replies ?? message?.buttons);
    if (!text && buttons.length === 0) return; // attachments etc.: not used by this bot
    window.clearTimeout(this.replyTimer);
    this.setTyping(false);
    if (this.retry.dataset.action === "resend") this.hideStatus();
    const { id, ...meta } = describe(message?.custom);
    const ask = commentTarget(meta.kind, buttons.map((b) => b.payload));
    if (id || ask) this.dropCommentBoxes(); // a new answer, or a new question about one: one box at most
    this.add({ who: "bot", text, ...(buttons.length ? { buttons } : {}), ...meta, ...(ask ? { ask } : {}) });
    if (ask) this.focusCommentBox(ask);
  }

  private add(item: Item, pending = false): void {
    this.items.push(item);
    if (this.items.length > MAX_ITEMS) {
      this.items.splice(0, this.items.length - MAX_ITEMS);
      this.log.firstElementChild?.remove();
    }
    this.saveTranscript();
    const node = this.render(item);
    if (pending) {
      node.classList.add("amc-pending");
      node.append(h("span", { class: "amc-pending-note" }, "Waiting for the connection…"));
    }
    this.log.append(node);
    this.scrollTo(node);
  }

  private render(item: Item): HTMLElement {
    const bubble = h("div", { class: "amc-bubble" });
    if (item.who === "bot") renderBotText(bubble, item.text);
    else bubble.textContent = item.text;
    const data: Record<string, string> = {};
    if (item.kind) data["data-kind"] = item.kind; // attribute values: never parsed as markup
    if (item.section) data["data-section"] = item.section;
    const row = h(
      "div",
      { class: `amc-msg amc-${item.who}`, ...data },
      srOnly(item.who === "bot" ? "Assistant said:" : "You said:"),
      bubble,
    );
    if (item.who === "bot" && item.answer) {
      const answer = item.answer;
      row.append(renderVotes(answer, item.vote, (rating) => this.send(votePayload(answer, rating), null, true)));
    }
    if (item.buttons?.length) {
      const label = item.kind === "feedback" ? "Suggested replies" : "Suggested questions";
      const group = h("div", { class: "amc-quick", role: "group", "aria-label": label });
      for (const button of item.buttons) {
        const node = h("button", { class: "amc-quick-reply", type: "button" }, button.title);
        node.addEventListener("click", () => {
          this.send(button.payload, button.title);
          this.input.focus();
        });
        group.append(node);
      }
      row.append(group);
    }
    if (item.who === "bot" && item.ask) {
      const answer = item.ask;
      row.append(renderCommentBox(answer, (text) => {
        this.send(votePayload(answer, "down", text), text);
        this.input.focus();
      }));
    }
    return row;
  }

  // ---------------------------------------------------------------------------------- feedback

  /** A vote being sent: shown on its answer (the first vote only) and kept with the transcript; a
   * comment also closes the "what was missing?" box. */
  private noteVote(vote: Vote): void {
    const item = this.items.find((i) => i.answer === vote.answer);
    if (item && !item.vote) {
      item.vote = vote.rating;
      this.log.querySelectorAll<HTMLElement>(".amc-votes").forEach((group) => {
        if (group.dataset.answer === vote.answer) showVote(group, vote.rating);
      });
      this.saveTranscript();
    }
    if (vote.comment !== undefined) this.dropCommentBoxes();
  }

  private dropCommentBoxes(): void {
    this.log.querySelectorAll(".amc-comment").forEach((node) => node.remove());
    let changed = false;
    for (const item of this.items) {
      if (item.ask) {
        delete item.ask;
        changed = true;
      }
    }
    if (changed) this.saveTranscript();
  }

  /** After a 👎 given with the keyboard (focus still on that answer's votes), the box takes focus. */
  private focusCommentBox(answer: string): void {
    const active = this.shadow.activeElement;
    if (!(active instanceof HTMLElement) || !active.classList.contains("amc-votes")) return;
    if (active.dataset.answer !== answer) return;
    try {
      if (!active.matches(":focus-visible")) return; // a click or tap: don't pop up a keyboard
    } catch {
      return; // no :focus-visible support: leave focus alone
    }
    this.log.querySelector<HTMLInputElement>(".amc-comment-input")?.focus();
  }

  /** Quick replies are one-shot: they go once the visitor sends anything. */
  private clearQuickReplies(): void {
    this.log.querySelectorAll(".amc-quick").forEach((node) => node.remove());
    let changed = false;
    for (const item of this.items) {
      if (item.buttons) {
        delete item.buttons;
        changed = true;
      }
    }
    if (changed) this.saveTranscript();
  }

  private setTyping(on: boolean): void {
    this.typing.hidden = !on;
    if (on) this.scrollToEnd();
  }

  // --------------------------------------------------------------------------------- scrolling

  private scrollToEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** New messages come into view; a message taller than the log is shown from its start. */
  private scrollTo(node: HTMLElement): void {
    if (node.offsetHeight > this.log.clientHeight - 16) {
      this.log.scrollTop = node.offsetTop - 8; // .amc-log is position: relative
    } else {
      this.scrollToEnd();
    }
  }

  private autosize(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }
}

function start(): void {
  if (window.AcneMarksChat) return; // included twice: keep the first
  const widget = new ChatWidget(readOptions(script));
  window.AcneMarksChat = {
    open: () => widget.open(),
    close: () => widget.close(),
    toggle: () => widget.toggle(),
  };
}

const script = findScript(); // document.currentScript is only set while this file first runs
if (document.body) start();
else document.addEventListener("DOMContentLoaded", start, { once: true });
