// Votes on answers and "what was missing?" comments (the server side is bot/operators.py).
//
// An answer's messages all carry its `id` in their custom payload; the last one also `rate: true`:
// that one gets a 👍 / 👎 pair. A vote is the user message
//   /feedback{"rating":"up"|"down","answer":"<id>"}     (sent, never shown as the visitor's bubble)
// and a comment the same with "comment" (shown as the visitor's bubble: their own words).
// After a 👎 the bot asks "What was missing?" with one-tap comments as buttons whose payloads are
// such /feedback{...comment...} messages; under that message the widget adds a one-line text box.
// One vote per answer: the widget records it with the transcript and disables both buttons.
// A comment is cut so that its whole message stays within the bot's MAX_MESSAGE_CHARS.

import { h, icon, srOnly } from "./dom";
import { clip } from "./privacy";

export type Rating = "up" | "down";

export interface Vote {
  answer: string;
  rating: Rating;
  comment?: string;
}

export const FEEDBACK_COMMAND = "/feedback";
export const MAX_COMMENT = 1000; // bot/operators.py MAX_COMMENT_CHARS

// Material Design icons "thumb_up" / "thumb_down" (Apache License 2.0): constant markup.
const ICON_UP =
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z"/></svg>';
const ICON_DOWN =
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z"/></svg>';

const LABELS: Record<Rating, string> = { up: "This answer helped", down: "This answer didn't help" };

/** The message that records a vote (and comment) on an answer; JSON.stringify escapes the text. */
export function votePayload(answer: string, rating: Rating, comment?: string): string {
  return FEEDBACK_COMMAND + JSON.stringify(comment === undefined ? { rating, answer } : { rating, answer, comment });
}

/** The longest comment on `answer` whose message fits in `maxMessage` characters (unescaped text). */
export function commentLimit(answer: string, maxMessage: number): number {
  return Math.max(1, Math.min(MAX_COMMENT, maxMessage - votePayload(answer, "down", "").length));
}

/** `comment`, cut until its message (JSON-escaped) is at most `maxMessage` characters long. */
export function fitComment(answer: string, comment: string, maxMessage: number): string {
  let text = clip(comment, commentLimit(answer, maxMessage));
  for (;;) {
    const over = votePayload(answer, "down", text).length - maxMessage;
    if (over <= 0 || !text) return text.trim();
    text = clip(text, text.length - over); // escapes: each character cut shortens the message by 1 or more
  }
}

/** The vote a /feedback{...} message gives, if it names an answer; else null. */
export function parseVote(message: string): Vote | null {
  if (!message.startsWith(FEEDBACK_COMMAND + "{")) return null;
  try {
    const data = JSON.parse(message.slice(FEEDBACK_COMMAND.length)) as Record<string, unknown>;
    const { rating, answer, comment } = data ?? {};
    if ((rating !== "up" && rating !== "down") || typeof answer !== "string" || !answer) return null;
    return { answer, rating, ...(typeof comment === "string" ? { comment } : {}) };
  } catch {
    return null;
  }
}

/** The answer a bot message asks "what was missing?" about: a `feedback` message whose buttons are
 * one-tap comments (/feedback{... "comment": ...}); null for any other message. */
export function commentTarget(kind: string | undefined, payloads: string[]): string | null {
  if (kind !== "feedback") return null;
  for (const payload of payloads) {
    const vote = parseVote(payload);
    if (vote?.comment !== undefined) return vote.answer;
  }
  return null;
}

/** The 👍 / 👎 pair under an answer. `onVote` sends the vote, which must then be shown (showVote):
 * the buttons are disabled, and keyboard focus stays on the group (tabindex -1) rather than being
 * lost with them. */
export function renderVotes(answer: string, vote: Rating | undefined, onVote: (rating: Rating) => void): HTMLElement {
  const group = h("div", { class: "amc-votes", role: "group", "aria-label": "Rate this answer", tabindex: "-1" });
  group.dataset.answer = answer; // an attribute value: never parsed as markup
  group.append(h("span", { class: "amc-votes-label", "aria-hidden": "true" }, "Helpful?"));
  for (const rating of ["up", "down"] as const) {
    const button = h("button", {
      class: `amc-vote amc-vote-${rating}`,
      type: "button",
      "aria-label": LABELS[rating],
      "aria-pressed": "false",
    });
    button.dataset.rating = rating;
    button.append(icon(rating === "up" ? ICON_UP : ICON_DOWN));
    button.addEventListener("click", () => {
      if (group.dataset.vote) return; // one vote per answer
      const focused = (group.getRootNode() as Document | ShadowRoot).activeElement === button;
      onVote(rating);
      if (focused && group.dataset.vote) group.focus();
    });
    group.append(button);
  }
  if (vote) showVote(group, vote);
  return group;
}

/** Shows `rating` as given: its button pressed, both disabled. */
export function showVote(group: HTMLElement, rating: Rating): void {
  group.dataset.vote = rating;
  group.querySelectorAll<HTMLButtonElement>(".amc-vote").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.rating === rating));
    button.disabled = true;
  });
}

/** The one-line "What was missing?" box under the bot's question; `onSend` gets the trimmed text.
 * `maxLength`: commentLimit() for the answer. */
export function renderCommentBox(answer: string, maxLength: number, onSend: (text: string) => void): HTMLFormElement {
  const field = h("input", {
    id: "amc-comment-input",
    class: "amc-comment-input",
    type: "text",
    maxlength: String(maxLength),
    placeholder: "Or in your own words…",
    autocomplete: "off",
    enterkeyhint: "send",
  });
  const form = h(
    "form",
    { class: "amc-comment" },
    h("label", { class: "amc-sr", for: "amc-comment-input" }, "What was missing?"),
    field,
    h("button", { class: "amc-comment-send", type: "submit" }, "Send", srOnly(" what was missing")),
  );
  form.dataset.answer = answer;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = field.value.trim();
    if (text) onSend(text);
    else field.focus();
  });
  return form;
}
