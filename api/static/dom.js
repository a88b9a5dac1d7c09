// What both pages build their DOM with. Text is never parsed as HTML.
(() => {
  'use strict';

  // Build an element; data-*/aria-* and a few other props become attributes, the rest properties.
  const ATTRS = ['role', 'href', 'target', 'rel', 'title', 'datetime', 'for'];
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (/^(data-|aria-)/.test(k) || ATTRS.includes(k)) el.setAttribute(k, v); else el[k] = v;
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  function safeUrl(url) { // only http(s) links, never javascript: and friends
    try { const u = new URL(url, location.href); return /^https?:$/.test(u.protocol) ? u.href : null; } catch (_) { return null; }
  }

  window.SwitchboardDOM = { h, safeUrl };
})();
