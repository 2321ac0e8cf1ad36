/**
 * The page's static files: runtime/serve/page/ (plain HTML, CSS and JS, no build step) and
 * uPlot from node_modules. Found relative to this module, so they resolve from dist/ (the
 * installed package ships runtime/serve/page/, see package.json `files`) and from the source
 * tree alike. Read once at start-up.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  type: string;
  body: Buffer;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The page folder: beside this module in the source tree, or ../../../runtime/serve/page from dist/runtime/serve. */
export function pageDir(): string {
  const candidates = [path.join(here, 'page'), path.resolve(here, '..', '..', '..', 'runtime', 'serve', 'page')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'index.html')));
  if (!found)
    throw new Error(`the page's files are missing (looked in ${candidates.join(' and ')}); reinstall mailroom`);
  return found;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function loadAssets(): Map<string, Asset> {
  const dir = pageDir();
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (type)
      assets.set(name === 'index.html' ? '/' : `/${name}`, { type, body: fs.readFileSync(path.join(dir, name)) });
  }
  const require = createRequire(import.meta.url);
  assets.set('/vendor/uplot.js', {
    type: TYPES['.js']!,
    body: fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')),
  });
  assets.set('/vendor/uplot.css', {
    type: TYPES['.css']!,
    body: fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css')),
  });
  return assets;
}
