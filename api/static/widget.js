// Switchboard chat widget: one async tag on any site.
//   <script async src="https://HOST/widget.js" data-title="Help" data-color="#0f766e" data-position="left"></script>
// It adds a launcher button in a shadow root (the host page's CSS cannot reach it, nor ours the
// page), and opens the chat in an iframe from HOST on first use, so nothing of the chat is loaded
// before the customer asks for it. Replies that arrive while the panel is closed, and the chat's
// closing, show as an unread count on the launcher.
(() => {
  'use strict';

  const script = document.currentScript;
  if (!script) return;
  // Once per page. The tag may run again (included twice, or brought back by a Turbo-style
  // navigation that swapped the body): it then only puts the widget back if the swap took it away.
  if (window.__switchboardWidget) {
    if (typeof window.__switchboardWidget.reattach === 'function') window.__switchboardWidget.reattach();
    return;
  }
  window.__switchboardWidget = { reattach: () => {} }; // mount() fills it in
  const origin = new URL(script.src, location.href).origin;
  const opt = script.dataset;
  const color = /^#[0-9a-fA-F]{3,8}$/.test(opt.color || '') ? opt.color : '#2563eb';
  const ink = inkOn(color);
  const side = opt.position === 'left' ? 'left' : 'right';
  const title = (opt.title || 'Chat with us').slice(0, 60);
  const OPEN_KEY = 'switchboard.widget.open';
  // The conversation ({id, token}) lives here, in the host site's storage: the browser gives the
  // chat's third-party iframe none of its own. It is handed to the iframe by postMessage only.
  const CONVERSATION_KEY = 'switchboard.widget.conversation';
  const storage = {
    get: () => { try { return localStorage.getItem(CONVERSATION_KEY); } catch (_) { return null; } },
    set: (v) => { try { if (v === null) localStorage.removeItem(CONVERSATION_KEY); else localStorage.setItem(CONVERSATION_KEY, v); } catch (_) { /* blocked */ } },
  };

  // The text colour that reads on `hex`: white, or near-black on a light brand colour (whichever
  // has the higher WCAG contrast ratio). The chat page is told (its `ink` parameter) to match.
  function inkOn(hex) {
    let h = hex.slice(1);
    if (h.length < 6) h = h.slice(0, 3).replace(/./g, '$&$&');
    const lin = (i) => { const c = parseInt(h.slice(i, i + 2), 16) / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const L = 0.2126 * lin(0) + 0.7152 * lin(2) + 0.0722 * lin(4);
    const DARK = '#111827', DARK_L = 0.0116; // the relative luminance of DARK
    return (L + 0.05) / (DARK_L + 0.05) > 1.05 / (L + 0.05) ? DARK : '#fff';
  }

  // The stacking order's highest value: a host's cookie banner or sticky header at the maximum
  // would otherwise cover the launcher (at equal values, the later element wins, and we append last).
  const TOP = 2147483647;
  const CSS = `
    :host { all: initial; }
    .launcher { position: fixed; ${side}: 20px; bottom: 20px; z-index: ${TOP}; width: 56px; height: 56px;
      border: 0; border-radius: 50%; background: ${color}; color: ${ink}; cursor: pointer; padding: 0;
      box-shadow: 0 4px 14px rgba(0,0,0,.25); display: grid; place-items: center; }
    .launcher:focus-visible { outline: 3px solid ${ink}; box-shadow: 0 0 0 6px ${color}; }
    .launcher svg { width: 26px; height: 26px; fill: currentColor; }
    .unread { position: absolute; top: -4px; ${side === 'right' ? 'left' : 'right'}: -4px; min-width: 20px; height: 20px;
      padding: 0 5px; box-sizing: border-box; border-radius: 10px; background: #dc2626; color: #fff;
      font: 700 12px/20px system-ui, sans-serif; text-align: center; }
    .unread[hidden] { display: none; }
    .panel { position: fixed; ${side}: 20px; bottom: 88px; z-index: ${TOP}; width: 380px; height: 600px;
      max-width: calc(100vw - 40px); max-height: calc(100vh - 108px); border-radius: 14px; overflow: hidden;
      box-shadow: 0 10px 40px rgba(0,0,0,.25); background: #fff; }
    .panel[hidden] { display: none; }
    iframe { border: 0; width: 100%; height: 100%; display: block; }
    @media (max-width: 480px) { .panel { ${side}: 0; bottom: 0; width: 100vw; height: 100vh; max-width: none; max-height: none; border-radius: 0; } }
    /* A short window (a phone on its side, a laptop at 200% zoom): the panel takes the window's
       full height, over the launcher; the chat's own minimise button closes it. */
    @media (max-height: 560px) { .panel { bottom: 0; height: 100vh; max-height: none; border-radius: 0; } }
  `;
  const CHAT_ICON = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z';
  const CLOSE_ICON = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';

  // Our styles, as a constructed style sheet: a host page's Content-Security-Policy (`style-src
  // 'self'`, or nonces) refuses a <style> element we add, but not a sheet built through the CSSOM.
  // Browsers without constructed sheets (before Safari 16.4) get the <style> element.
  function applyStyles(root) {
    try {
      if (!('adoptedStyleSheets' in root)) throw new Error('no constructed style sheets');
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (_) {
      const style = document.createElement('style');
      style.textContent = CSS;
      root.prepend(style);
    }
  }

  // The shadow root keeps the page's rules from our launcher and panel, but not from the host
  // element itself: there a page's rule beats our `:host` (`div:empty { display: none }` hid it,
  // `div { filter: … }` made it the containing block of the "fixed" launcher and moved that off
  // the screen). So the host has a name of its own, which no `div` rule matches, and every property
  // set back to its initial value inline and !important, which no rule of the page can outrank
  // (set through the CSSOM, which a `style-src` policy does not govern).
  function hostElement() {
    const host = document.createElement('switchboard-widget');
    host.id = 'switchboard-widget';
    host.style.setProperty('all', 'initial', 'important'); // display, position, filter, transform, contain, visibility…
    host.style.setProperty('display', 'block', 'important');
    return host;
  }

  function mount() {
    const host = hostElement();
    const root = host.attachShadow({ mode: 'open' });
    const launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.className = 'launcher';
    launcher.setAttribute('aria-controls', 'switchboard-panel');
    const svgNS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(svgNS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(svgNS, 'path');
    svg.append(path);
    const badge = document.createElement('span');
    badge.className = 'unread';
    badge.setAttribute('aria-hidden', 'true'); // the launcher's label says it
    badge.hidden = true;
    launcher.append(svg, badge);
    const panel = document.createElement('div');
    panel.className = 'panel';
    panel.id = 'switchboard-panel';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', title);
    panel.hidden = true;
    root.append(launcher, panel);
    applyStyles(root);
    document.body.append(host);

    let frame = null, loaded = false;
    // Replies that arrived while the panel was closed, kept in the host site's storage so a reload
    // or another page of the site still shows them, and counted once by id (the chat replays its
    // conversation on each load; several tabs hear the same reply): {conversation, through, unread,
    // closed}. The conversation's closing counts as one more, once (`closed`: it was heard).
    const UNREAD_KEY = 'switchboard.widget.unread';
    const conversationId = () => { try { return JSON.parse(storage.get() || 'null').id || null; } catch (_) { return null; } };
    function readUnread() {
      try {
        const u = JSON.parse(localStorage.getItem(UNREAD_KEY) || 'null');
        if (u && u.conversation === conversationId() && Number.isInteger(u.unread)) return u;
      } catch (_) { /* blocked or garbled: start afresh */ }
      return { conversation: conversationId(), through: null, unread: 0 };
    }
    function writeUnread(u) { try { localStorage.setItem(UNREAD_KEY, JSON.stringify(u)); } catch (_) { /* blocked */ } }
    let unread = readUnread().unread;
    // Replies with these ids are in the chat, and it is `closed` or not: seen if the panel is open,
    // else each one more unread (once). `replay`: the whole conversation as loaded; without a count
    // kept for it yet (a first visit since this count was kept), all it holds counts as seen.
    function heard(ids, replay, closed) {
      const u = readUnread();
      const fresh = (Array.isArray(ids) ? ids : []).filter((id) => typeof id === 'number' && (u.through === null || id > u.through));
      const news = fresh.length + (closed && !u.closed ? 1 : 0);
      if (!news) return;
      if (!panel.hidden) u.unread = 0;
      else if (!(replay && u.through === null)) u.unread += news;
      if (fresh.length) u.through = Math.max(...fresh);
      if (closed) u.closed = true;
      writeUnread(u);
      unread = u.unread;
      label();
    }
    window.addEventListener('storage', (ev) => { // another tab of the site opened the chat, or heard a reply
      if (ev.key === UNREAD_KEY) { unread = panel.hidden ? readUnread().unread : 0; label(); }
    });
    function loadFrame() {
      if (frame) return;
      frame = document.createElement('iframe');
      frame.title = title;
      frame.allow = 'clipboard-write';
      const params = { title, color, ...(ink === '#fff' ? {} : { ink: 'dark' }) };
      frame.src = `${origin}/widget?${new URLSearchParams(params)}`;
      frame.addEventListener('load', () => { loaded = true; }); // again after each reattach()
      panel.append(frame);
    }
    function label() {
      const open = !panel.hidden;
      const news = unread === 1 ? ', 1 unread message' : unread ? `, ${unread} unread messages` : '';
      launcher.setAttribute('aria-label', open ? `Close ${title}` : `Open ${title}${news}`);
      badge.textContent = unread > 9 ? '9+' : String(unread);
      badge.hidden = open || !unread;
    }
    function setOpen(open, focus) {
      panel.hidden = !open;
      if (open && unread) { unread = 0; writeUnread({ ...readUnread(), unread: 0 }); }
      launcher.setAttribute('aria-expanded', String(open));
      path.setAttribute('d', open ? CLOSE_ICON : CHAT_ICON);
      label();
      try { sessionStorage.setItem(OPEN_KEY, open ? '1' : '0'); } catch (_) { /* storage blocked */ }
      if (open) loadFrame();
      if (open && focus) { if (loaded) frame.focus(); else frame.addEventListener('load', () => frame.focus(), { once: true }); }
      if (!open && focus) launcher.focus();
    }
    launcher.addEventListener('click', () => setOpen(panel.hidden, true));
    root.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && !panel.hidden) setOpen(false, true); });
    window.addEventListener('message', (ev) => {
      if (ev.origin !== origin || !frame || ev.source !== frame.contentWindow || !ev.data) return;
      const kind = ev.data.switchboard;
      if (kind === 'ready') frame.contentWindow.postMessage({ switchboard: 'conversation', value: storage.get() }, origin);
      else if (kind === 'save') storage.set(typeof ev.data.value === 'string' ? ev.data.value : null);
      else if (kind === 'close') setOpen(false, true);
      else if (kind === 'incoming') heard(ev.data.ids, ev.data.replay === true, ev.data.closed === true);
    });
    let wasOpen = false;
    try { wasOpen = sessionStorage.getItem(OPEN_KEY) === '1'; } catch (_) { /* storage blocked */ }
    setOpen(wasOpen, false);
    // A customer with a conversation under way keeps hearing from it with the panel closed (the
    // unread badge); a visitor who never opened the chat loads nothing but this file.
    if (storage.get()) loadFrame();

    // A single-page site may replace the body's content or the body itself (Turbo, pjax) and take
    // the widget with it: it goes back, as it was. Its iframe loads afresh there and gets the
    // conversation as on a page load. Only <html>'s and the body's own children are watched, not
    // the whole page's changes.
    function reattach() {
      if (host.isConnected || !document.body) return;
      loaded = false;
      document.body.append(host);
    }
    let watched = null;
    const watcher = new MutationObserver(() => { watchBody(); reattach(); });
    function watchBody() {
      if (!document.body || document.body === watched) return;
      watched = document.body;
      watcher.observe(watched, { childList: true });
    }
    watcher.observe(document.documentElement, { childList: true });
    watchBody();
    window.__switchboardWidget.reattach = reattach;
  }

  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
