// A Server-Sent Events reader over fetch, so that credentials travel in headers (or the session
// cookie), never in the URL as EventSource would need. Reconnects with Last-Event-ID after a
// dropped connection, so no event is lost or repeated.
//
//   const stream = SwitchboardSSE.open({
//     url, headers: () => ({Authorization: 'Bearer …'}), // called on every (re)connect
//     onEvent: (type, data, id) => {}, onOpen: () => {}, onLost: () => {}, onError: (status) => {},
//   });
//   stream.close();
//
// `onError(status)` is called with the HTTP status when the server refuses the stream (401, 403,
// 404 …); the reader then stops, and the page decides. A network error or a 5xx retries with
// back-off, and calls `onLost()` (the stream is down, and being retried) on each failed attempt;
// `onOpen()` says it is back. A stream silent for `staleMs` (the server pings every 15 s) is taken
// for dead, as a connection can be lost without the browser hearing of it.
(() => {
  'use strict';

  function parseBlock(block) {
    const ev = { type: 'message', data: [], id: null };
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') ev.type = value;
      else if (field === 'data') ev.data.push(value);
      else if (field === 'id') ev.id = value;
    }
    return ev;
  }

  function open({ url, headers, onEvent, onOpen, onLost, onError, lastEventId = null, retryMs = 1000, staleMs = 45000 }) {
    let closed = false;
    let controller = null;
    let timer = null;
    let watchdog = null;
    let delay = retryMs;

    // Aborts the stream when nothing (not even a ping) came for staleMs; the read loop then retries.
    function heard() {
      clearTimeout(watchdog);
      const stream = controller;
      watchdog = setTimeout(() => stream.abort(), staleMs);
    }

    async function connect() {
      if (closed) return;
      controller = new AbortController();
      const h = { Accept: 'text/event-stream', ...(headers ? headers() : {}) };
      if (lastEventId !== null) h['Last-Event-ID'] = String(lastEventId);
      let res;
      try {
        res = await fetch(url, { headers: h, credentials: 'same-origin', cache: 'no-store', signal: controller.signal });
      } catch (_) {
        return retry();
      }
      if (!res.ok || !res.body) {
        if (res.status >= 500 || res.status === 429) return retry();
        closed = true;
        if (onError) onError(res.status);
        return;
      }
      delay = retryMs;
      heard();
      if (onOpen) onOpen();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          heard();
          buffer += value.replace(/\r\n?/g, '\n');
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const ev = parseBlock(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            if (ev.id !== null) lastEventId = ev.id;
            if (!ev.data.length || closed) continue;
            let data;
            try { data = JSON.parse(ev.data.join('\n')); } catch (_) { continue; }
            onEvent(ev.type, data, ev.id);
          }
        }
      } catch (_) { /* dropped or aborted */ }
      clearTimeout(watchdog);
      retry();
    }

    function retry() {
      if (closed) return;
      if (onLost) onLost();
      clearTimeout(timer);
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    }

    connect();
    return {
      close() { closed = true; clearTimeout(timer); clearTimeout(watchdog); if (controller) controller.abort(); },
      get lastEventId() { return lastEventId; },
    };
  }

  window.SwitchboardSSE = { open };
})();
