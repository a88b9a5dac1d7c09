// The customer's outbox: every line is shown at once as pending, then delivered in order, one at a
// time, with an idempotency key, so a retry after a lost response cannot store it twice. The
// composer is never blocked; the bot answers whatever arrived since its last reply, and its reply
// comes over the stream. Lines the server could not be reached for wait, marked "Not sent", and
// go again by themselves once it can be (see resend()), or on Retry. Plain JS, no dependencies.
(() => {
  'use strict';

  const { h } = window.SwitchboardDOM;
  const MAX_ATTEMPTS = 3; // network errors and 5xx, with a growing pause
  const MAX_RATE_WAITS = 3, MAX_RATE_WAIT_SECONDS = 60; // 429: wait as the server says, this often
  const RESEND_SECONDS = 5, MAX_RESEND_SECONDS = 60; // waiting lines try again by themselves, doubling
  const UNREACHABLE = 'Not sent yet: we could not reach the server. It will be sent once we can.';
  const sleep = (seconds) => new Promise((r) => setTimeout(r, seconds * 1000));
  const newClientId = () => (crypto.randomUUID ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
  // A line that may hold card details is never written to storage: the server masks cards before
  // it stores them, and the widget's storage is the host site's, which any script there can read.
  // That is a line with 4 or more digits in all, however written or split (any script's digits,
  // full-width, superscript or circled: NFKC makes them plain), or one naming a security code or
  // an expiry date. Such lines stay in the page only.
  const SENSITIVE_WORDS = /(?<!\p{L})(?:cvv|cvc|cid|csc|security\s*code|exp|expiry|expires|expiration|valid\s*thru)(?!\p{L})/iu;
  const mayHoldCard = (text) => {
    const plain = String(text).normalize('NFKC');
    return (plain.match(/\p{Nd}/gu) || []).length >= 4 || SENSITIVE_WORDS.test(plain);
  };
  // Lines kept in storage go stale: one saved longer ago than this is neither shown nor sent again
  // (a shared computer, a later visit).
  const KEEP_MS = 24 * 60 * 60 * 1000;

  // `transcript`: the chat's (chat_transcript.js). `form`: marked aria-busy while lines wait.
  // `send(line)`: stores {text, clientId}, resolving to the stored message and reply, or null when
  // the conversation changed meanwhile; it rejects with the API's error ({status, message, retryAfter}).
  // `onClosed()`: the conversation was closed. `onGone(items)`: it is gone (401/404): start a new
  // one and put back these waiting lines' items. `onChange()`: the waiting lines changed (waiting()).
  function create({ transcript, form, send, onClosed, onGone, onChange }) {
    const outbox = []; // lines typed but not yet stored, in order: {clientId, text, at, li}
    let sending = false;
    let asked = null; // a resend ('auto') or a Retry ('retry') asked for while sending: done next
    let resendTimer = null, resendSeconds = RESEND_SECONDS;

    function buildPending(line) {
      const li = transcript.build({ role: 'customer', text: line.text, created_at: line.at });
      li.removeAttribute('data-message-id');
      li.dataset.clientId = line.clientId;
      li.append(h('p', { className: 'msg__delivery', 'data-testid': 'delivery' }));
      return li;
    }

    function mark(line, status, note) {
      line.li.dataset.status = status;
      const delivery = line.li.querySelector('.msg__delivery');
      delivery.replaceChildren();
      if (status === 'pending') delivery.append(note || 'Sending…');
      if (status === 'failed') {
        delivery.append(note || 'Not sent.', ' ');
        if (outbox.includes(line)) {
          delivery.append(h('button', {
            type: 'button', className: 'btn btn--link', 'data-testid': 'retry', textContent: 'Retry',
            onclick: () => retry(),
          }));
        }
      }
    }

    const markAll = (status, note) => outbox.forEach((l) => mark(l, status, note));
    const markWaiting = () => outbox.forEach((l) => { if (l.li.dataset.status === 'failed') mark(l, 'pending'); });
    const changed = () => { if (onChange) onChange(); };

    function queue(line) {
      line.li = buildPending(line);
      transcript.appendPending(line.li);
      mark(line, 'pending');
      outbox.push(line);
    }

    function add(text) {
      queue({ clientId: newClientId(), text, at: new Date().toISOString(), savedAt: Date.now() });
      changed();
      flush();
    }

    // The lines a reload or another page is to send (the page keeps them):
    // [{clientId, text, at, savedAt}], savedAt being when the line was first kept (ms since epoch).
    const waiting = () => outbox.filter((l) => !mayHoldCard(l.text))
      .map(({ clientId, text, at, savedAt }) => ({ clientId, text, at, savedAt }));

    // Lines an earlier page kept (waiting()) and the server does not have: shown as pending, and
    // sent. Lines kept too long ago (or with no time kept), or that may hold card details, are dropped.
    function restore(lines) {
      const now = Date.now();
      (Array.isArray(lines) ? lines : []).forEach((l) => {
        if (!l || typeof l.clientId !== 'string' || typeof l.text !== 'string' || outbox.some((o) => o.clientId === l.clientId)) return;
        if (!Number.isFinite(l.savedAt) || l.savedAt > now || now - l.savedAt > KEEP_MS || mayHoldCard(l.text)) return;
        queue({ clientId: l.clientId, text: l.text, at: typeof l.at === 'string' ? l.at : new Date().toISOString(), savedAt: l.savedAt });
      });
      changed();
      flush();
    }

    // The server has these lines (a snapshot holds their client_ids): nothing to send again. The
    // line being sent is left to its request, which the server answers as a duplicate.
    function settled(clientIds) {
      const had = outbox.length;
      for (let i = outbox.length - 1; i >= (sending ? 1 : 0); i--) {
        if (clientIds.includes(outbox[i].clientId)) outbox.splice(i, 1);
      }
      if (outbox.length !== had) changed();
    }

    // Sends the waiting lines again without a click: the chat's stream is back, the browser is
    // online again, or a while has passed. Until the first goes through they keep their "Not sent".
    function resend() {
      if (!outbox.length) return;
      if (sending) asked = asked || 'auto'; else flush(true);
    }

    function retry() {
      if (sending) asked = 'retry'; else flush();
    }

    // `auto`: one quiet try of the first line, which marks nothing unless it gets through.
    async function flush(auto = false) {
      if (sending) return;
      sending = true;
      asked = null;
      clearTimeout(resendTimer);
      form.setAttribute('aria-busy', 'true');
      if (!auto) markWaiting(); // sent again, in order
      let quiet = auto;
      try {
        while (outbox.length) {
          if (!(await deliver(outbox[0], quiet))) return; // failed: it waits, and the rest behind it
          if (quiet) { quiet = false; markWaiting(); }
        }
      } finally {
        sending = false;
        form.setAttribute('aria-busy', String(outbox.length > 0));
        if (asked) { const again = asked; resendTimer = setTimeout(() => flush(again === 'auto'), 0); }
        else if (outbox.length) { resendTimer = setTimeout(() => flush(true), resendSeconds * 1000); resendSeconds = Math.min(resendSeconds * 2, MAX_RESEND_SECONDS); }
      }
    }

    // Done with the first line: stored, or refused for good.
    function shift() {
      outbox.shift();
      resendSeconds = RESEND_SECONDS;
      changed();
    }

    // true when the line is done with (stored, or refused for good); false to stop the queue.
    async function deliver(line, quiet) {
      let waits = 0; // times the server said "too many" (429) and when to come back
      for (let attempt = 0; attempt < (quiet ? 1 : MAX_ATTEMPTS); attempt++) {
        try {
          const data = await send(line);
          shift();
          if (data) {
            transcript.render(data.message);
            if (data.reply) transcript.render(data.reply);
          }
          return true;
        } catch (e) {
          if (e.status === 409) { // closed: nothing more can be sent here
            onClosed();
            outbox.splice(0).forEach((l) => mark(l, 'failed', 'Not sent: this conversation is closed.'));
            changed();
            return false;
          }
          if (e.status === 401 || e.status === 404) { // our conversation is gone: a new one, same lines
            onGone(outbox.map((l) => l.li));
            continue;
          }
          if (e.status === 422 || e.status === 413) { // this line can never be sent as it is
            shift();
            mark(line, 'failed', e.message);
            return true;
          }
          if (e.status === 429 && waits < MAX_RATE_WAITS) { // too fast: wait as long as the server says, then send
            waits += 1;
            attempt -= 1;
            const seconds = Math.min(Math.ceil(e.retryAfter || 1), MAX_RATE_WAIT_SECONDS);
            markAll('pending', `Too many messages at once: sending in ${seconds} s…`);
            await sleep(seconds);
            markAll('pending');
            continue;
          }
          if (e.status === 429) { // still refused after waiting: the server's reason, and Retry
            markAll('failed', `Not sent: ${e.message}.`);
            return false;
          }
          await sleep(0.5 * 2 ** attempt); // network, 5xx: try again
        }
      }
      // The lines behind it wait for it: not sent either, and a Retry on any sends them all in
      // order. A quiet try leaves the lines marked so already as they were (and their Retry focused).
      outbox.forEach((l) => { if (!quiet || l.li.dataset.status !== 'failed') mark(l, 'failed', UNREACHABLE); });
      return false;
    }

    return { add, flush, resend, restore, settled, waiting };
  }

  window.SwitchboardOutbox = { create };
})();
