// The brand colour (data-color) and the text colours on it, all WCAG AA.

import { DEFAULT_COLOR } from "./options";

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

/** Accent colour, the text colour on it, and an accent for text on white, all WCAG AA. `probe`: an
 * element of the widget, whose inline colour is used (and left empty) to parse CSS colours. */
export function palette(color: string, colorText: string | null, probe: HTMLElement): Record<string, string> {
  const white: RGB = [255, 255, 255];
  const bubble: RGB = [240, 242, 245]; // --amc-bot-bg: accent text (section titles) sits on it too
  const ink: RGB = [27, 31, 36];
  const accent = parseColor(color, probe) ?? (parseColor(DEFAULT_COLOR, probe) as RGB);
  const css = (c: RGB) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
  const onAccent = colorText ?? css(contrast(accent, white) >= contrast(accent, ink) ? white : ink);
  probe.style.color = "";
  return {
    "--amc-accent": css(accent),
    "--amc-on-accent": onAccent,
    "--amc-accent-text": contrast(accent, bubble) >= 4.5 ? css(accent) : css(ink),
  };
}
