// The console's two conversation lists (the queue and the live conversations): one button per
// conversation with its state, who holds it, how long it has waited, why it was handed off and its
// last line. Plain JS, no dependencies.
(() => {
  'use strict';

  const { h } = window.SwitchboardDOM;
  const { waited } = window.SwitchboardWorkspace;
  const { formatTime, authorOf, reasonLabel } = window.SwitchboardTranscript;

  // isMine(c): this agent holds it; current: the id on screen; onOpen(id) when one is chosen.
  function item(c, { isMine, current, onOpen }) {
    const last = c.last_message;
    const btn = h('button', {
      type: 'button', className: 'conv-item', 'data-testid': 'conversation-item',
      'data-conversation-id': c.id, 'data-state': c.state, 'aria-current': String(c.id) === current && 'true',
    },
    h('span', { className: 'conv-item__top' },
      h('span', { className: `badge badge--${c.state}`, 'data-testid': 'state-badge', textContent: c.state }),
      c.agent && h('span', { className: 'conv-item__agent', 'data-testid': 'item-agent' },
        c.agent.name, isMine(c) ? ' (you)' : ''),
      h('time', { className: 'conv-item__time', datetime: c.updated_at, textContent: formatTime(c.updated_at) })),
    c.state === 'queued' && h('span', { className: 'conv-item__wait', 'data-testid': 'item-wait' }, `waiting ${waited(c.queued_at || c.updated_at)}`),
    c.handoff_reason && h('span', {
      className: 'conv-item__reason', 'data-testid': 'handoff-reason', 'data-reason': c.handoff_reason || '',
      textContent: reasonLabel(c.handoff_reason),
      title: c.handoff_detail || '',
    }),
    h('span', { className: 'conv-item__snippet', 'data-testid': 'last-message' },
      last ? `${authorOf(last)}: ${last.text}` : 'No messages yet'));
    btn.addEventListener('click', () => onOpen(String(c.id)));
    return h('li', {}, btn);
  }

  // Keyboard focus stays on the conversation it was on across re-renders.
  function render(ul, countEl, convs, emptyText, options) {
    const active = ul.contains(document.activeElement) ? document.activeElement.dataset.conversationId : null;
    countEl.textContent = String(convs.length);
    ul.replaceChildren(...(convs.length ? convs.map((c) => item(c, options))
      : [h('li', { className: 'conv-list__empty', textContent: emptyText })]));
    const again = active && ul.querySelector(`[data-conversation-id="${CSS.escape(active)}"]`);
    if (again) again.focus();
  }

  window.SwitchboardConvList = { render };
})();
