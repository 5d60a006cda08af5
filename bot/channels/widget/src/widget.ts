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
// Privacy (privacy.ts): the settings come from GET /chat/config; every conversation opens with a
// notice (kept N days, not medical advice, Privacy link); with consent required, nothing is sent
// (not even the greeting request) until the visitor presses "I agree"; the input stops at
// MAX_MESSAGE_CHARS with a counter near it; "Delete this conversation" erases it on the server
// (POST /chat/forget) and here, and starts a new one.

import { io, type Socket } from "socket.io-client";
import { palette } from "./colour";
import { h, icon, srOnly } from "./dom";
import {
  commentLimit, commentTarget, fitComment, parseVote, renderCommentBox, renderVotes, showVote, votePayload,
  type Vote,
} from "./feedback";
import { renderBotText } from "./format";
import { ICON_CHAT, ICON_CLOSE, ICON_DELETE, ICON_SEND } from "./icons";
import { asButtons, describe, type BotMessage, type Item } from "./messages";
import { findScript, readOptions, type Options } from "./options";
import {
  clip, ConfirmDelete, counterText, DEFAULT_CONFIG, forgetConversation, loadConfig, renderNotice, type PrivacyConfig,
} from "./privacy";
import css from "./styles.css";

declare global {
  interface Window {
    AcneMarksChat?: { open(): void; close(): void; toggle(): void };
  }
}

const MAX_ITEMS = 200;
const REPLY_TIMEOUT_MS = 30_000;

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
  private config: PrivacyConfig = { ...DEFAULT_CONFIG };
  private configLoaded = false; // until then nothing is sent: consent may be required
  private consented: boolean; // the visitor pressed "I agree" (kept in storage)
  private deleted = false; // the conversation was just deleted: the notice says so
  private agree: HTMLButtonElement | null = null;

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
  private readonly sendButton: HTMLButtonElement;
  private readonly counter: HTMLParagraphElement;
  private readonly form: HTMLFormElement;
  private readonly notice: HTMLDivElement;
  private readonly deleteButton: HTMLButtonElement;
  private readonly confirm: ConfirmDelete;

  constructor(options: Options) {
    this.o = options;
    this.key = `acne-marks-chat:${options.serverUrl}:`;
    this.consented = this.load<boolean>("consent") === true;

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

    this.deleteButton = h("button", {
      class: "amc-delete",
      type: "button",
      "aria-label": "Delete this conversation",
      title: "Delete this conversation",
    });
    this.deleteButton.append(icon(ICON_DELETE));
    const close = h("button", { class: "amc-close", type: "button", "aria-label": "Close chat" });
    close.append(icon(ICON_CLOSE));
    const header = h(
      "header",
      { class: "amc-header" },
      h("div", { class: "amc-heading" },
        h("h2", { id: "amc-title", class: "amc-title" }, options.title),
        h("p", { class: "amc-subtitle" }, options.subtitle)),
      this.deleteButton,
      close,
    );
    this.confirm = new ConfirmDelete(() => this.forget());

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
    this.notice = h("div", { class: "amc-msg amc-notice" });
    this.log.append(this.notice);
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
      maxlength: String(this.config.maxMessageChars),
      placeholder: "Ask about acne marks…",
      autocomplete: "off",
      enterkeyhint: "send",
      "aria-describedby": "amc-count",
    });
    this.sendButton = h("button", { class: "amc-send", type: "submit" }, srOnly("Send"));
    this.sendButton.prepend(icon(ICON_SEND));
    this.form = h(
      "form",
      { class: "amc-composer" },
      h("label", { class: "amc-sr", for: "amc-input" }, "Your question"),
      this.input,
      this.sendButton,
    );
    this.counter = h("p", { id: "amc-count", class: "amc-count", hidden: "" });
    const note = h("p", { class: "amc-note" }, "Quotes one article. Not medical advice.");

    this.panel = h(
      "section",
      { id: "amc-panel", class: "amc-panel", role: "dialog", "aria-labelledby": "amc-title", hidden: "" },
      header,
      this.confirm.element,
      this.status,
      this.log,
      this.typing,
      this.form,
      this.counter,
      note,
    );
    this.root = h("div", { class: `amc amc-${options.position}` }, this.panel, this.launcher);
    shadow.append(this.root);
    document.body.append(host);
    for (const [name, value] of Object.entries(palette(options.color, options.colorText, this.root))) {
      this.root.style.setProperty(name, value);
    }

    this.launcher.addEventListener("click", () => (this.isOpen() ? this.close() : this.open(true)));
    close.addEventListener("click", () => this.close());
    this.deleteButton.addEventListener("click", () => this.confirm.show(this.deleteButton));
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
    this.input.addEventListener("input", () => {
      this.autosize();
      this.updateCounter();
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = clip(this.input.value, this.config.maxMessageChars).trim();
      if (!text || this.needsConsent()) return;
      this.input.value = "";
      this.autosize();
      this.updateCounter();
      this.send(text, text);
    });

    this.showNotice();
    this.restore();
    const saved = this.load<{ open?: boolean }>("state") ?? {};
    if (saved.open ?? options.open) this.open(false);
    void loadConfig(options.serverUrl).then((config) => this.applyConfig(config));
  }

  // ------------------------------------------------------------------------------------ privacy

  /** The server's settings arrived (or the defaults, if it could not be asked). */
  private applyConfig(config: PrivacyConfig): void {
    this.config = config;
    this.configLoaded = true;
    this.input.maxLength = config.maxMessageChars;
    this.log.querySelectorAll<HTMLInputElement>(".amc-comment-input").forEach((field) => {
      const answer = field.closest<HTMLElement>(".amc-comment")?.dataset.answer ?? "";
      field.maxLength = commentLimit(answer, config.maxMessageChars);
    });
    const hadFocus = this.shadow.activeElement === this.input;
    this.showNotice();
    this.updateCounter();
    if (hadFocus && this.agree) this.agree.focus();
    this.flush();
  }

  private needsConsent(): boolean {
    return this.config.consentRequired && !this.consented;
  }

  /** The notice at the top of the log; with consent still needed, the "I agree" button, and the
   * input disabled until it is pressed. */
  private showNotice(): void {
    const gate = this.configLoaded && this.needsConsent();
    this.agree = renderNotice(this.notice, this.config, {
      deleted: this.deleted,
      onAgree: gate ? () => this.onAgree() : undefined,
    });
    this.input.disabled = gate;
    this.sendButton.disabled = gate;
    this.input.placeholder = gate ? "Please agree to the notice first" : "Ask about acne marks…";
  }

  private onAgree(): void {
    this.consented = true;
    this.save("consent", true);
    this.showNotice();
    this.input.focus();
    this.flush();
  }

  private updateCounter(): void {
    const text = counterText(this.input.value.length, this.config.maxMessageChars);
    this.counter.hidden = text === null;
    this.counter.textContent = text ?? "";
    this.counter.classList.toggle("amc-count-full", this.input.value.length >= this.config.maxMessageChars);
  }

  /** "Delete this conversation", confirmed: erase it on the server (throws if that fails: the
   * confirmation step says so and nothing is cleared), then here; then a new conversation. */
  private async forget(): Promise<void> {
    const id = this.sessionId;
    // Off the socket meanwhile: nothing may reach the conversation while it is erased (a question
    // typed now waits in the outbox: sent if erasing fails, else dropped with the transcript).
    this.ready = false;
    this.socket?.disconnect();
    try {
      if (id) await forgetConversation(this.o.serverUrl, id);
    } catch (error) {
      this.socket?.connect(); // the same conversation goes on
      throw error;
    }
    if (id) this.remove(`transcript:${id}`);
    this.remove("consent"); // asked again, with the notice, before the new conversation is stored
    this.consented = false;
    this.sessionId = null;
    this.items = [];
    this.outbox = []; // typed during the deletion: gone with the transcript they showed in
    this.greeted = false;
    this.lastSent = null;
    window.clearTimeout(this.replyTimer);
    this.setTyping(false);
    this.hideStatus();
    this.deleted = true;
    this.log.replaceChildren(this.notice);
    this.showNotice();
    this.input.value = "";
    this.autosize();
    this.updateCounter();
    this.saveState();
    (this.agree ?? this.input).focus();
    this.socket?.connect(); // session_request without an id: the server starts a new conversation
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

  private remove(name: string): void {
    try {
      this.o.storage?.removeItem(this.key + name);
    } catch {
      // privacy mode: nothing was kept
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
    if (focus) (this.agree ?? this.input).focus();
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
      this.log.replaceChildren(this.notice);
      this.greeted = false;
    }
    this.sessionId = id;
    this.ready = true;
    this.root.classList.remove("amc-offline");
    this.hideStatus();
    this.saveState();
    this.saveTranscript();
    this.flush();
  }

  /** Connected, settings known, consent given if needed: messages may go. */
  private canSend(): boolean {
    return this.ready && this.configLoaded && !this.needsConsent();
  }

  /** Sends what waited (for the connection, the settings or consent), or else the greeting request. */
  private flush(): void {
    if (!this.canSend()) return;
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
    if (this.configLoaded && this.needsConsent()) {
      this.agree?.focus(); // nothing goes before "I agree"
      return;
    }
    const vote = parseVote(message);
    if (vote) this.noteVote(vote);
    if (!keepQuickReplies) this.clearQuickReplies();
    const now = this.canSend();
    if (display !== null) this.add({ who: "user", text: display }, !now);
    if (now) this.emit(message);
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
      this.log.querySelector(":scope > .amc-msg:not(.amc-notice)")?.remove();
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
      const max = this.config.maxMessageChars;
      row.append(renderCommentBox(answer, commentLimit(answer, max), (text) => {
        const comment = fitComment(answer, text, max);
        this.send(votePayload(answer, "down", comment), comment);
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
