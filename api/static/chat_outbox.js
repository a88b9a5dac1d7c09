// The customer's outbox: every line is shown at once as pending, then delivered in order, one at a
// time, with an idempotency key, so a retry after a lost response cannot store it twice. The
// composer is never blocked; the bot answers whatever arrived since its last reply, and its reply
// comes over the stream. Plain JS, no dependencies.
(() => {
  'use strict';

  const { h } = window.SwitchboardDOM;
  const MAX_ATTEMPTS = 3; // network errors and 5xx, with a growing pause
  const MAX_RATE_WAITS = 3, MAX_RATE_WAIT_SECONDS = 60; // 429: wait as the server says, this often
  const sleep = (seconds) => new Promise((r) => setTimeout(r, seconds * 1000));
  const newClientId = () => (crypto.randomUUID ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);

  // `transcript`: the chat's (chat_transcript.js). `form`: marked aria-busy while lines wait.
  // `send(line)`: stores {text, clientId}, resolving to the stored message and reply, or null when
  // the conversation changed meanwhile; it rejects with the API's error ({status, message, retryAfter}).
  // `onClosed()`: the conversation was closed. `onGone(items)`: it is gone (401/404): start a new
  // one and put back these waiting lines' items.
  function create({ transcript, form, send, onClosed, onGone }) {
    const outbox = []; // lines typed but not yet stored, in order: {clientId, text, li}
    let sending = false;

    function buildPending(line) {
      const li = transcript.build({ role: 'customer', text: line.text, created_at: new Date().toISOString() });
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
            onclick: () => flush(),
          }));
        }
      }
    }

    const markAll = (status, note) => outbox.forEach((l) => mark(l, status, note));

    function add(text) {
      const line = { clientId: newClientId(), text };
      line.li = buildPending(line);
      transcript.appendPending(line.li);
      mark(line, 'pending');
      outbox.push(line);
      flush();
    }

    async function flush() {
      if (sending) return;
      sending = true;
      form.setAttribute('aria-busy', 'true');
      outbox.forEach((l) => { if (l.li.dataset.status === 'failed') mark(l, 'pending'); }); // sent again, in order
      try {
        while (outbox.length) {
          if (!(await deliver(outbox[0]))) return; // failed: it waits for Retry, and the rest behind it
        }
      } finally {
        sending = false;
        form.setAttribute('aria-busy', String(outbox.length > 0));
      }
    }

    // true when the line is done with (stored, or refused for good); false to stop the queue.
    async function deliver(line) {
      let waits = 0; // times the server said "too many" (429) and when to come back
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        try {
          const data = await send(line);
          outbox.shift();
          if (data) {
            transcript.render(data.message);
            if (data.reply) transcript.render(data.reply);
          }
          return true;
        } catch (e) {
          if (e.status === 409) { // closed: nothing more can be sent here
            onClosed();
            outbox.splice(0).forEach((l) => mark(l, 'failed', 'Not sent: this conversation is closed.'));
            return false;
          }
          if (e.status === 401 || e.status === 404) { // our conversation is gone: a new one, same lines
            onGone(outbox.map((l) => l.li));
            continue;
          }
          if (e.status === 422 || e.status === 413) { // this line can never be sent as it is
            outbox.shift();
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
      // the lines behind it wait for it: not sent either, and a Retry on any sends them all in order
      markAll('failed', 'Not sent: we could not reach the server.');
      return false;
    }

    return { add, flush };
  }

  window.SwitchboardOutbox = { create };
})();
