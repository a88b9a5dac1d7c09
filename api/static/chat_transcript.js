// The customer's transcript: messages in id order, a correction directly below the message it
// corrects, sources as links, and the customer's own lines replaced by their stored copies (until
// then they keep the place where they were typed).
// Plain JS, no dependencies.
(() => {
  'use strict';

  const { h, safeUrl } = window.SwitchboardDOM;

  function formatTime(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function renderSources(sources) {
    if (!sources || !sources.length) return null;
    const parts = [];
    sources.forEach((s, i) => {
      if (i) parts.push(', ');
      const title = s.title || s.doc_id || 'Source';
      const url = s.url && safeUrl(s.url);
      parts.push(url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', textContent: title }) : h('span', { textContent: title }));
    });
    return h('p', { className: 'msg__sources', 'data-testid': 'sources' }, 'Sources: ', parts);
  }

  // The text of a message, in the direction of its own first strong letter (dir="auto"): an
  // Arabic or Hebrew line reads right to left, with its numbers and Latin words in place.
  function messageText(role, text) {
    const el = role === 'bot' ? window.SwitchboardRichText.render(text) : h('p', { className: 'msg__text', textContent: text });
    el.dir = 'auto';
    return el;
  }

  function build(m) {
    const role = m.role || 'system';
    const isCorrection = m.corrects !== null && m.corrects !== undefined;
    const li = h('li', {
      className: `msg msg--${role}${isCorrection ? ' msg--correction' : ''}`,
      'data-testid': 'message', 'data-role': role, 'data-message-id': m.id,
      'data-corrects': isCorrection ? m.corrects : null,
    });
    if (role === 'system') {
      li.append(h('p', { className: 'msg__system', textContent: m.text, dir: 'auto' }));
      return li;
    }
    let label = null;
    if (isCorrection) label = `Corrected by ${m.author || 'our team'}`;
    else if (role === 'bot') label = 'Assistant';
    else if (role === 'agent') label = m.author || 'Agent';
    else if (role === 'customer') label = 'You'; // for screen readers: the bubble's side says it to the eye
    li.append(
      h('div', { className: 'msg__meta' },
        label && h('span', {
          className: `msg__author${role === 'customer' ? ' visually-hidden' : ''}`,
          'data-testid': isCorrection ? 'correction-label' : 'message-author', textContent: label,
        }),
        h('time', { className: 'msg__time', datetime: m.created_at, textContent: formatTime(m.created_at) })),
      h('div', { className: 'msg__bubble' },
        messageText(role, m.text),
        renderSources(m.sources)), // the bot's, a correction's, an agent's reply that sent the bot's draft
    );
    return li;
  }

  function markCorrected(el) {
    el.classList.add('msg--corrected');
    el.dataset.corrected = 'true';
  }

  // list: the <ol>; scroll: its scrolling container; welcome: shown while the transcript is empty.
  function create({ list, scroll, welcome }) {
    const find = (id) => list.querySelector(`[data-message-id="${CSS.escape(String(id))}"]`);
    const nearBottom = () => scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 80;
    const scrollToBottom = () => { scroll.scrollTop = scroll.scrollHeight; };

    // Stored messages go in id order, de-duplicated. A line of the customer's that failed to send
    // keeps its place, where it was typed: what arrives later goes below it (as WhatsApp and
    // Chatwoot's widget keep a failed message where it was sent, with its retry). Lines still
    // being sent at the end stay last: they will be stored after what arrives meanwhile. A line's
    // stored copy takes its place if id order allows, else goes where it was stored (last, after a
    // Retry). True if it was new.
    function render(m) {
      if (!m || m.id === undefined) return false;
      const shown = find(m.id);
      const mine = m.client_id ? list.querySelector(`[data-client-id="${CSS.escape(m.client_id)}"]`) : null;
      if (shown) { // a line sent again that the server had already: shown once
        refreshText(shown, m);
        if (mine) mine.remove();
        return false;
      }
      const stick = nearBottom();
      const li = build(m);
      const original = li.dataset.corrects !== undefined ? find(m.corrects) : null;
      if (original) {
        markCorrected(original);
        let after = original;
        while (after.nextElementSibling && after.nextElementSibling.dataset.corrects === String(m.corrects)) after = after.nextElementSibling;
        after.after(li);
      } else {
        const stored = (c) => c && c.dataset.messageId !== undefined && c.dataset.corrects === undefined;
        const next = [...list.children].find((c) => stored(c) && Number(c.dataset.messageId) > m.id) || null;
        let after = mine && mine.nextElementSibling;
        while (after && !stored(after)) after = after.nextElementSibling;
        let before = next;
        for (let c = list.lastElementChild; !next && c && c.dataset.status === 'pending'; c = c.previousElementSibling) before = c;
        if (mine && (after || null) === next) mine.replaceWith(li);
        else list.insertBefore(li, before);
        // Corrections that arrived before their original move below it now.
        [...list.querySelectorAll(`[data-corrects="${CSS.escape(String(m.id))}"]`)].reverse().forEach((c) => {
          markCorrected(li);
          li.after(c);
        });
      }
      if (mine) mine.remove(); // its stored copy is shown now
      welcome.hidden = true;
      if (stick || m.role === 'customer') scrollToBottom();
      return true;
    }

    // A line of the customer's shown already whose stored text changed since: its digits masked
    // once a card typed across lines was complete (api/split_cards.py).
    function refreshText(li, m) {
      const text = li.querySelector('.msg__bubble > .msg__text');
      if (m.role === 'customer' && text && text.textContent !== m.text) text.replaceWith(messageText(m.role, m.text));
    }

    // A line the customer typed, shown at once, before the server has it.
    function appendPending(li) {
      list.append(li);
      welcome.hidden = true;
      scrollToBottom();
    }

    function clear() {
      list.replaceChildren();
      welcome.hidden = false;
    }

    return { render, build, appendPending, clear };
  }

  window.SwitchboardChatTranscript = { create };
})();
