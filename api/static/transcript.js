// The console's transcript of one conversation: messages in id order, corrections below what they
// correct, agents' internal notes among them in time order, the bot's sources, confidence and the
// signals behind it, the unsent draft of a handoff, and the reply an LLM is still writing. Plain JS;
// the actions are the console's (callbacks).
(() => {
  'use strict';

  const { h, safeUrl } = window.SwitchboardDOM;

  function formatTime(iso) {
    const d = new Date(iso), opts = { hour: '2-digit', minute: '2-digit' };
    if (d.toDateString() !== new Date().toDateString()) Object.assign(opts, { month: 'short', day: 'numeric' });
    return isNaN(d) ? '' : d.toLocaleString([], opts);
  }

  const authorOf = (m) => ({ customer: 'Customer', bot: 'Assistant', system: 'System' }[m.role] || m.author || 'Agent');

  const REASONS = {
    customer_request: 'customer asked for a person', low_confidence: 'low confidence',
    repeated_low_confidence: 'two doubtful answers in a row', repeats_last_reply: 'the answer repeated the last reply',
    escalation: 'escalation rule',
    assistant_unavailable: 'assistant unavailable', agent_revoked: 'the agent who had it lost access',
    agent_gone: 'the agent who had it went offline',
  };
  const reasonLabel = (reason) => REASONS[reason] || reason;

  function renderSources(sources) {
    if (!sources || !sources.length) return null;
    return h('ul', { className: 'msg__sources msg__sources--list', 'data-testid': 'sources', 'aria-label': 'Sources' },
      sources.map((s) => {
        const title = s.title || s.doc_id || 'Source', url = s.url && safeUrl(s.url);
        return h('li', {},
          url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', textContent: title }) : title,
          typeof s.score === 'number' && h('span', { className: 'muted', textContent: ` · ${s.score.toFixed(2)}` }));
      }));
  }

  // A handoff notice is no answer, and its confidence says nothing of one: a fixed 1.0 when the
  // customer asked for a person or an escalation rule sent them, 0.0 when the assistant was
  // unavailable. Only a handoff for doubt carries a measured score, the one the bot's answer got
  // (held back as the draft, or none found): that is shown, with the signals that pulled it down.
  const DOUBTS = ['low_confidence', 'repeated_low_confidence', 'repeats_last_reply'];
  const scored = (m) => m.role === 'bot' && typeof m.confidence === 'number' && (!m.handoff || DOUBTS.includes(m.handoff_reason));

  // Agents only: why the bot's confidence is what it is; the signals that pulled it down first.
  function renderSignals(m) {
    if (!m.signals && !m.handoff_detail) return null;
    const low = new Set(m.low_signals || []);
    const names = Object.keys(m.signals || {}).sort((a, b) => (low.has(b) - low.has(a)));
    const why = low.size ? `Why: low ${[...low].join(', ')}` : scored(m) ? 'Why this score' : 'Why it was handed off';
    return h('details', { className: 'msg__why', 'data-testid': 'signals' },
      h('summary', { textContent: why }),
      m.handoff_detail && h('p', { className: 'msg__detail', 'data-testid': 'handoff-detail', textContent: m.handoff_detail }),
      names.length > 0 && h('ul', { className: 'msg__signals' }, names.map((n) => h('li', {
        className: low.has(n) ? 'signal signal--low' : 'signal', 'data-signal': n,
        textContent: `${n.replace(/_/g, ' ')}: ${Number(m.signals[n]).toFixed(2)}`,
      }))));
  }

  const at = (x) => Date.parse(x.created_at) || 0; // notes and messages are ordered by time together

  // An agent's internal note: marked as one, with who wrote it and when; the customer never sees it.
  function buildNote(n) {
    return h('li', { className: 'msg msg--note', 'data-testid': 'note', 'data-note-id': n.id, 'data-at': at(n) },
      h('div', { className: 'msg__meta' },
        h('span', { className: 'msg__author', 'data-testid': 'note-author', textContent: n.author || 'An agent' }),
        h('span', { className: 'tag tag--note', 'data-testid': 'note-label', textContent: 'Internal note · only agents see this' }),
        h('time', { className: 'msg__time', datetime: n.created_at, textContent: formatTime(n.created_at) })),
      h('div', { className: 'msg__bubble' }, h('p', { className: 'msg__text', textContent: n.text })));
  }

  const flaggedTag = () => h('span', { className: 'tag', 'data-testid': 'flagged', textContent: 'flagged as a bad answer' });

  // What only an agent who may answer the customer can do: correct a reply, send or edit the bot's
  // draft. The server refuses them in a closed chat, and in one another agent holds (until it is
  // taken over): they are not offered there. Flagging a bad answer is for the editors, any time.
  const ANSWERING = ['correct-button', 'send-draft', 'edit-draft'].map((t) => `[data-testid="${t}"]`).join(', ');

  // actions: {correct(li, m), flag(li, m), sendDraft(text, messageId), editDraft(text, messageId), messageActions?(li, m)}
  function create({ list, scroll, actions }) {
    const find = (id) => list.querySelector(`[data-message-id="${CSS.escape(String(id))}"]`);
    const markCorrected = (el) => { el.classList.add('msg--corrected'); el.dataset.corrected = 'true'; };
    let answerable = false; // may this agent answer in the conversation shown (setAnswerable)

    function setAnswerable(may) {
      answerable = !!may;
      list.querySelectorAll(ANSWERING).forEach((b) => { b.hidden = !answerable; });
      list.querySelectorAll('.msg__draft-actions').forEach((d) => { d.hidden = !answerable; });
    }

    // The draft's [n] markers number its sources: sent or edited, the reply names its draft (m.id)
    // so that it cites them too.
    function draftBox(m) {
      return h('div', { className: 'msg__draft', 'data-testid': 'draft' },
        h('p', {}, h('strong', { textContent: 'Unsent draft: ' }), m.draft),
        renderSources(m.draft_sources),
        h('div', { className: 'msg__draft-actions', hidden: !answerable },
          h('button', { type: 'button', className: 'btn btn--primary btn--small', 'data-testid': 'send-draft',
            textContent: 'Send draft', onclick: () => actions.sendDraft(m.draft, m.id) }),
          h('button', { type: 'button', className: 'btn btn--secondary btn--small', 'data-testid': 'edit-draft',
            textContent: 'Edit draft', onclick: () => actions.editDraft(m.draft, m.id) })));
    }

    function build(m) {
      const role = m.role || 'system', isCorrection = m.corrects !== null && m.corrects !== undefined;
      const li = h('li', {
        className: `msg msg--${role}${isCorrection ? ' msg--correction' : ''}`, 'data-testid': 'message',
        'data-role': role, 'data-message-id': m.id, 'data-corrects': isCorrection ? m.corrects : null, 'data-at': at(m),
      });
      if (role === 'system') { li.append(h('p', { className: 'msg__system', textContent: m.text })); return li; }
      const c = m.confidence;
      const conf = scored(m) && h('span', {
        className: `confidence confidence--${c < 0.5 ? 'low' : c < 0.75 ? 'mid' : 'high'}`, 'data-testid': 'confidence',
        title: m.handoff ? 'Assistant confidence in the answer it held back' : 'Assistant confidence', textContent: `${Math.round(c * 100)}%`,
      });
      li.append(
        h('div', { className: 'msg__meta' },
          h('span', {
            className: 'msg__author', 'data-testid': isCorrection ? 'correction-label' : 'message-author',
            textContent: isCorrection ? `Corrected by ${m.author || 'an agent'}` : authorOf(m),
          }),
          conf,
          m.handoff && h('span', { className: 'tag', 'data-testid': 'handoff-tag', textContent: 'handed off', title: reasonLabel(m.handoff_reason) }),
          h('time', { className: 'msg__time', datetime: m.created_at, textContent: formatTime(m.created_at) })),
        h('div', { className: 'msg__bubble' },
          role === 'bot' ? window.SwitchboardRichText.render(m.text) : h('p', { className: 'msg__text', textContent: m.text }),
          m.draft && draftBox(m), // agents only: the answer the bot held back on a low-confidence handoff
          role !== 'customer' && renderSources(m.sources), // an agent's reply cites the draft it sent
          role === 'bot' && renderSignals(m)));
      if (role === 'bot' && !isCorrection) {
        const answer = !m.handoff; // a handoff notice answers nothing: the server refuses to correct or flag it (409)
        li.append(h('div', { className: 'msg__actions' },
          answer && h('button', { type: 'button', className: 'btn btn--link btn--small', 'data-testid': 'correct-button',
            textContent: 'Correct', hidden: !answerable, onclick: () => actions.correct(li, m) }),
          m.flagged ? flaggedTag() : answer && h('button', { type: 'button', className: 'btn btn--link btn--small', 'data-testid': 'flag-button',
            textContent: 'Flag bad answer', onclick: () => actions.flag(li, m) })));
      }
      if (actions.messageActions) actions.messageActions(li, m);
      return li;
    }

    // A customer's line shown already whose stored text changed since: its digits masked once a
    // card typed across lines was complete (api/split_cards.py).
    function refreshText(li, m) {
      const text = li.querySelector('.msg__text');
      if (m.role === 'customer' && text && text.textContent !== m.text) text.textContent = m.text;
    }

    // Insert in id order (de-duplicated); a correction goes directly below the message it corrects.
    function render(m) {
      if (!m || m.id === undefined) return;
      const shown = find(m.id);
      if (shown) { refreshText(shown, m); return; }
      const stick = scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 80;
      const li = build(m);
      const original = li.dataset.corrects !== undefined ? find(m.corrects) : null;
      if (original) {
        markCorrected(original);
        let after = original;
        while (after.nextElementSibling && after.nextElementSibling.dataset.corrects === String(m.corrects)) after = after.nextElementSibling;
        after.after(li);
      } else {
        const next = [...list.children].find((el) => el.dataset.corrects === undefined && Number(el.dataset.messageId) > m.id);
        let before = next || null; // and before the notes written after it
        for (let prev = next ? next.previousElementSibling : list.lastElementChild;
          prev && prev.dataset.noteId !== undefined && Number(prev.dataset.at) > at(m); prev = prev.previousElementSibling) before = prev;
        list.insertBefore(li, before);
        // Corrections that arrived before their original move below it now.
        [...list.querySelectorAll(`[data-corrects="${CSS.escape(String(m.id))}"]`)].reverse()
          .forEach((el) => { markCorrected(li); li.after(el); });
      }
      if (stick) scroll.scrollTop = scroll.scrollHeight;
    }

    // A note goes before the first line written after it (and before a reply still being written).
    function renderNote(n) {
      if (!n || n.id === undefined || list.querySelector(`[data-note-id="${CSS.escape(String(n.id))}"]`)) return;
      const stick = scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 80;
      const next = [...list.children].find((el) => el.dataset.at !== undefined && Number(el.dataset.at) > at(n));
      list.insertBefore(buildNote(n), next || list.querySelector('[data-testid="writing"]'));
      if (stick) scroll.scrollTop = scroll.scrollHeight;
    }

    // The bot's unsent draft of this conversation, unless a person has spoken since. `fresh`: only
    // a draft that answers the customer's latest line (none written since it).
    function pendingDraft({ fresh = false } = {}) {
      const items = [...list.querySelectorAll('[data-testid="message"]')];
      for (let i = items.length - 1; i >= 0; i -= 1) {
        if (items[i].dataset.role === 'agent') return null;
        if (fresh && items[i].dataset.role === 'customer') return null;
        const draft = items[i].querySelector('[data-testid="draft"] p');
        if (draft) return { text: draft.textContent.replace(/^Unsent draft: /, ''), messageId: items[i].dataset.messageId };
      }
      return null;
    }

    // A reply an LLM is writing: agents watch it grow; the customer sees it only once it is decided.
    // A piece numbered no higher than the last one starts the draft over: the reply was begun again
    // (its worker stopped mid-way and another answers the line), and its pieces follow from the first.
    function showWriting(d) {
      let li = list.querySelector('[data-testid="writing"]');
      if (!li || li.dataset.replyTo !== String(d.reply_to)) {
        removeWriting();
        li = h('li', { className: 'msg msg--bot msg--writing', 'data-testid': 'writing', 'data-reply-to': d.reply_to },
          h('div', { className: 'msg__meta' }, h('span', { className: 'msg__author', textContent: 'Assistant is writing (not sent yet)' })),
          h('div', { className: 'msg__bubble' }, h('p', { className: 'msg__text', textContent: '' })));
        list.append(li);
      }
      const text = li.querySelector('.msg__text');
      if (Number(d.seq) <= Number(li.dataset.seq || 0)) text.textContent = '';
      li.dataset.seq = d.seq;
      text.textContent += d.delta;
      scroll.scrollTop = scroll.scrollHeight;
    }
    function removeWriting() { const li = list.querySelector('[data-testid="writing"]'); if (li) li.remove(); }

    function markFlagged(li) {
      const button = li.querySelector('[data-testid="flag-button"]');
      if (button) button.replaceWith(flaggedTag());
    }

    return { render, renderNote, pendingDraft, showWriting, removeWriting, markFlagged, setAnswerable, clear: () => list.replaceChildren() };
  }

  window.SwitchboardTranscript = { create, formatTime, authorOf, reasonLabel };
})();
