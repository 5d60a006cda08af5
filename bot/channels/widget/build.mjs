// Bundles src/widget.ts, socket.io-client and the CSS into one file: dist/widget.js.
import { build } from "esbuild";

await build({
  entryPoints: ["src/widget.ts"],
  outfile: "dist/widget.js",
  bundle: true,
  format: "iife",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  loader: { ".css": "text" },
  logLevel: "info",
});
