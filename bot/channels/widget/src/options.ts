// The widget's options: data-* attributes of its <script> tag (docs/widget.md lists them).

export interface Options {
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

export const DEFAULT_COLOR = "#1f4e79";

export function findScript(): HTMLScriptElement | null {
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

export function readOptions(script: HTMLScriptElement | null): Options {
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
