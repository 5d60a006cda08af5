// Small DOM helpers shared by the widget's modules. Text always goes in as text nodes; the only
// markup ever parsed is the constant SVG icons of this code (icon()).

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/** A span holding one of the constant SVG icons defined in this code, never data. */
export function icon(svg: string, extra = ""): HTMLSpanElement {
  const span = h("span", { class: `amc-icon ${extra}`.trim() });
  span.innerHTML = svg; // constant markup from this code, never data
  return span;
}

/** Text for screen readers only. */
export function srOnly(text: string): HTMLSpanElement {
  return h("span", { class: "amc-sr" }, text);
}
