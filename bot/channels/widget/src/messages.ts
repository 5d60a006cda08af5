// The widget's messages: what a transcript item holds, and what a bot_uttered event may carry.

import type { Rating } from "./feedback";

export interface Button {
  title: string;
  payload: string;
}

export interface Item {
  who: "user" | "bot";
  text: string;
  buttons?: Button[];
  kind?: string; // from the bot message's custom payload
  section?: string;
  answer?: string; // on an answer's last message (custom.rate): its id, which votes name
  vote?: Rating; // the visitor's vote on that answer
  ask?: string; // on the bot's "what was missing?": the answer its comment box is about, until used
}

export interface BotMessage {
  text?: string;
  quick_replies?: Button[];
  buttons?: Button[];
  custom?: unknown; // {kind, section?, ...}: about the message, never displayed
}

/** The kind and section of a bot message, from its custom payload (strings only, else left out),
 * and the id of the answer it is part of: `answer` too on the answer's last message (custom.rate). */
export function describe(custom: unknown): Pick<Item, "kind" | "section" | "answer"> & { id?: string } {
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

export function asButtons(value: unknown): Button[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
    .map((b) => ({ title: b.title, payload: b.payload }));
}
