// Bot text -> DOM, never through innerHTML: every piece of text becomes a text node. The article's
// emphasis is the only markup understood: **bold** and *italic*, within one line.
//
// An answer looks like "From *Section title*:\n<verbatim passages>"; that first line becomes a
// citation label. Lines starting with "• " become list items. The article's own footnote stars
// ("over time*, ..." / "*Product in use study ...") are left alone: an emphasis opener must follow
// a space and a closer must precede one, and both must be on the same line.

const CITATION = /^From \*([^*\n]+)\*:[ \t]*(?:\n|$)/;
const BULLET = /^\s*[•‣◦▪-]\s+/;
const EMPHASIS = /\*\*(?=\S)([^\n]+?)(?<=\S)\*\*|(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])/g;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

/** Appends `text` to `parent` as text nodes, with **bold** and *italic* as <strong>/<em>. */
export function appendInline(parent: HTMLElement, text: string): void {
  let last = 0;
  for (const match of text.matchAll(EMPHASIS)) {
    const start = match.index ?? 0;
    if (start > last) parent.append(document.createTextNode(text.slice(last, start)));
    const strong = match[1] !== undefined;
    const node = el(strong ? "strong" : "em");
    node.textContent = strong ? match[1] : match[2];
    parent.append(node);
    last = start + match[0].length;
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}

/** Splits off the "From *Section*:" line: [section title or null, the rest]. */
export function splitCitation(text: string): [string | null, string] {
  const match = CITATION.exec(text);
  return match ? [match[1].trim(), text.slice(match[0].length)] : [null, text];
}

/** Renders one bot message into `bubble`: citation label, paragraphs and bullet lists. */
export function renderBotText(bubble: HTMLElement, text: string): void {
  const [section, body] = splitCitation(text);
  if (section) {
    const cite = el("p", "amc-cite");
    const label = el("span", "amc-cite-label");
    label.textContent = "From the article";
    const title = el("cite", "amc-cite-title");
    title.textContent = section;
    cite.append(label, title);
    bubble.append(cite);
  }
  let list: HTMLUListElement | null = null;
  for (const line of body.split("\n")) {
    if (BULLET.test(line)) {
      if (!list) {
        list = el("ul");
        bubble.append(list);
      }
      const item = el("li");
      appendInline(item, line.replace(BULLET, ""));
      list.append(item);
      continue;
    }
    list = null;
    if (!line.trim()) continue;
    const paragraph = el("p");
    appendInline(paragraph, line);
    bubble.append(paragraph);
  }
}
