// Privacy parts of the widget (the server side: bot/channels/widget/channel.py and settings.py).
//
// GET /chat/config says how long conversations are kept, where the privacy page is, whether the
// visitor must agree first, and the longest message the bot takes; without an answer the widget
// uses the defaults below. Every conversation opens with a notice built from it (retention, "not
// medical advice", a Privacy link, and an "I agree" button when consent is required); the input
// shows a counter near the length limit; "Delete this conversation" asks for confirmation inside
// the panel, then POST /chat/forget {"session_id"} erases it on the server.
// Text goes in as text nodes only (dom.ts); the privacy link's address must be http(s).

import { h, srOnly } from "./dom";

export interface PrivacyConfig {
  retentionDays: number;
  privacyUrl: string | null;
  consentRequired: boolean;
  maxMessageChars: number;
}

export const DEFAULT_CONFIG: Readonly<PrivacyConfig> = {
  retentionDays: 90,
  privacyUrl: null,
  consentRequired: false,
  maxMessageChars: 2000,
};
const CONFIG_TIMEOUT_MS = 5000;
const COUNTER_FROM = 0.8; // the counter shows once the message uses more than this share of the limit

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1 ? value : fallback;
}

/** `value` as an absolute http(s) URL, or null (javascript:, data:, relative... get no link). */
export function httpUrl(value: unknown): string | null {
  if (typeof value !== "string" || !value.trim()) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** The config from the server's JSON, each value checked (the default where one isn't usable). */
export function parseConfig(data: unknown): PrivacyConfig {
  const d = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  return {
    retentionDays: positiveInt(d.retention_days, DEFAULT_CONFIG.retentionDays),
    privacyUrl: httpUrl(d.privacy_url),
    consentRequired: d.consent_required === true,
    maxMessageChars: positiveInt(d.max_message_chars, DEFAULT_CONFIG.maxMessageChars),
  };
}

/** GET <server>/chat/config; the defaults if it fails or takes more than 5 s. */
export async function loadConfig(serverUrl: string): Promise<PrivacyConfig> {
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), CONFIG_TIMEOUT_MS);
  try {
    const res = await fetch(`${serverUrl}/chat/config`, {
      credentials: "omit",
      cache: "no-store",
      signal: controller.signal,
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return parseConfig(await res.json());
  } catch (error) {
    console.warn(`[chat widget] no settings from ${serverUrl}/chat/config (${String(error)}): using the defaults.`);
    return { ...DEFAULT_CONFIG };
  } finally {
    window.clearTimeout(timer);
  }
}

/** POST <server>/chat/forget: erase the conversation `sessionId` on the server; throws on failure. */
export async function forgetConversation(serverUrl: string, sessionId: string): Promise<void> {
  const res = await fetch(`${serverUrl}/chat/forget`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ session_id: sessionId }),
    credentials: "omit",
    cache: "no-store",
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
}

export function formatNumber(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1,950 / 2,000" once `length` is past 80 % of `max`, else null. */
export function counterText(length: number, max: number): string | null {
  return length > COUNTER_FROM * max ? `${formatNumber(length)} / ${formatNumber(max)}` : null;
}

/** `text` cut to at most `max` UTF-16 units (the unit of maxlength), never halving a character. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, Math.max(0, max));
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** Fills `notice`, the first message of every conversation: how long it is kept, not medical
 * advice, the Privacy link; "Conversation deleted." first after a deletion; with `onAgree`, the
 * "I agree" button (returned) that must be pressed before anything is sent. */
export function renderNotice(
  notice: HTMLElement,
  config: PrivacyConfig,
  { deleted = false, onAgree }: { deleted?: boolean; onAgree?: () => void } = {},
): HTMLButtonElement | null {
  const days = config.retentionDays === 1 ? "1 day" : `${formatNumber(config.retentionDays)} days`;
  const line = h("p", { class: "amc-notice-text" },
    `This conversation is stored for ${days} and is not medical advice.`);
  const url = httpUrl(config.privacyUrl);
  if (url) {
    const link = h("a", { class: "amc-notice-link", href: url, target: "_blank", rel: "noopener noreferrer" },
      "Privacy", srOnly(" (opens in a new tab)"));
    line.append(" ", link);
  }
  const parts: Node[] = [srOnly("Notice:")];
  if (deleted) parts.push(h("p", { class: "amc-notice-deleted" }, "Conversation deleted."));
  parts.push(line);
  let agree: HTMLButtonElement | null = null;
  if (onAgree) {
    agree = h("button", { class: "amc-agree", type: "button" }, "I agree");
    agree.addEventListener("click", onAgree);
    parts.push(h("p", { class: "amc-consent" }, "Please agree to this before asking a question."), agree);
  }
  notice.replaceChildren(...parts);
  return agree;
}

/** The "Delete this conversation?" step, inside the panel (never window.confirm): Delete / Cancel,
 * Esc cancels; focus starts on Cancel and goes back to the opener when cancelled. */
export class ConfirmDelete {
  readonly element: HTMLDivElement;
  private readonly text: HTMLParagraphElement;
  private readonly yes: HTMLButtonElement;
  private readonly no: HTMLButtonElement;
  private opener: HTMLElement | null = null;

  /** `onConfirm` erases the conversation; if it throws, the step stays open with an error. */
  constructor(private readonly onConfirm: () => Promise<void>) {
    this.text = h("p", { id: "amc-confirm-text", class: "amc-confirm-text", "aria-live": "polite" });
    this.yes = h("button", { class: "amc-confirm-yes", type: "button" }, "Delete");
    this.no = h("button", { class: "amc-confirm-no", type: "button" }, "Cancel");
    this.element = h(
      "div",
      { class: "amc-confirm", role: "group", "aria-labelledby": "amc-confirm-text", hidden: "" },
      this.text,
      h("div", { class: "amc-confirm-actions" }, this.yes, this.no),
    );
    this.yes.addEventListener("click", () => void this.confirm());
    this.no.addEventListener("click", () => this.hide(true));
    this.element.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      event.stopPropagation(); // Esc here cancels; it does not close the panel
      if (!this.yes.disabled) this.hide(true);
    });
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  show(opener: HTMLElement): void {
    this.opener = opener;
    this.setBusy(false);
    this.text.textContent =
      "Delete this conversation? It is erased from the assistant's records and from this browser.";
    this.element.hidden = false;
    this.no.focus();
  }

  hide(restoreFocus: boolean): void {
    this.element.hidden = true;
    if (restoreFocus) this.opener?.focus();
  }

  private setBusy(busy: boolean): void {
    this.yes.disabled = busy;
    this.no.disabled = busy;
  }

  private async confirm(): Promise<void> {
    this.setBusy(true);
    this.text.textContent = "Deleting…";
    try {
      await this.onConfirm();
      this.hide(false);
    } catch (error) {
      console.warn(`[chat widget] deleting the conversation failed: ${String(error)}`);
      this.setBusy(false);
      this.text.textContent = "The conversation could not be deleted. Please try again.";
      this.yes.focus();
    }
  }
}
