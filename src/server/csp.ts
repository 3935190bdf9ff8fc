/**
 * The Content-Security-Policy of every response the desktop page receives: src/server sends it (for
 * `locus serve` in a browser) and Electron's main process sets it again on every response, so a page
 * cannot loosen it.
 *
 * - `script-src 'self' 'wasm-unsafe-eval'`: scripts only from the Locus server; no inline script and no
 *   `eval`/`new Function`, so a read name or VCF field that slips into the DOM as markup cannot run.
 *   `'wasm-unsafe-eval'` allows compiling WebAssembly (never JavaScript): igv.js decodes CRAM with
 *   wasm codecs (rANS, xz) that it instantiates from bytes.
 * - `style-src 'unsafe-inline'`: igv.js positions its tracks and popups with inline styles. CSS cannot
 *   run script, and `img-src`/`connect-src` still stop it from sending data anywhere.
 * - `img-src data: blob:`: igv.js draws icons as data: SVGs and exports views as blob: URLs.
 * - `connect-src 'self'`: fetch/XHR only to the Locus server, so no track, genome list or cytoband is
 *   ever fetched from the internet.
 * - `object-src`, `base-uri`, `frame-ancestors`, `form-action` closed: no plugins, no `<base>` hijack of
 *   relative URLs, no framing of the app, no form posts anywhere.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
