// The agent's open chats as tabs: several conversations at once, each with its unread count and
// how long its customer has been waiting for a reply; the window title counts unread messages
// and waiting customers, so a new message or handoff shows even in a background tab.
// Plain JS, no dependencies.
(() => {
  'use strict';

  const { h } = window.SwitchboardDOM;
  const KEY = 'switchboard.console.tabs';
  const BASE_TITLE = document.title;

  function waited(since) {
    const s = Math.max(0, Math.round((Date.now() - new Date(since).getTime()) / 1000));
    return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  }

  // onSelect(id) shows a conversation; onClose(id) after its tab is closed.
  function create(strip, { onSelect, onClose }) {
    let tabs = [];        // [{id, label, unread, waitingSince}]
    let active = null;
    let queueWaiting = 0;

    try { tabs = (JSON.parse(sessionStorage.getItem(KEY) || '[]')).map((id) => ({ id, label: id.slice(0, 8), unread: 0, waitingSince: null })); } catch (_) { tabs = []; }
    const persist = () => { try { sessionStorage.setItem(KEY, JSON.stringify(tabs.map((t) => t.id))); } catch (_) { /* blocked */ } };
    const find = (id) => tabs.find((t) => t.id === id);

    function render() {
      strip.hidden = !tabs.length;
      strip.replaceChildren(...tabs.map((t) => {
        const select = h('button', {
          type: 'button', className: 'chat-tab__select', role: 'tab', 'aria-selected': String(t.id === active),
          'data-testid': 'chat-tab', 'data-conversation-id': t.id,
          onclick: () => onSelect(t.id),
        },
        h('span', { className: 'chat-tab__label', textContent: t.label }),
        t.waitingSince && h('span', { className: 'chat-tab__wait', 'data-testid': 'tab-wait', title: 'Customer waiting for a reply' }, waited(t.waitingSince)),
        t.unread > 0 && h('span', { className: 'chat-tab__unread', 'data-testid': 'tab-unread', 'aria-label': `${t.unread} unread` }, String(t.unread)));
        const close = h('button', {
          type: 'button', className: 'chat-tab__close', 'aria-label': `Close tab ${t.label}`, 'data-testid': 'tab-close',
          onclick: () => remove(t.id),
        }, '×');
        return h('div', { className: 'chat-tab', 'data-active': String(t.id === active) }, select, close);
      }));
      const unread = tabs.reduce((n, t) => n + t.unread, 0);
      const parts = [];
      if (unread) parts.push(`(${unread})`);
      if (queueWaiting) parts.push(`${queueWaiting} waiting ·`);
      document.title = [...parts, BASE_TITLE].join(' ');
    }

    function open(id) {
      if (!find(id)) tabs.push({ id, label: id.slice(0, 8), unread: 0, waitingSince: null });
      active = id;
      find(id).unread = 0;
      persist();
      render();
    }

    function remove(id) {
      tabs = tabs.filter((t) => t.id !== id);
      persist();
      if (active === id) active = null;
      render();
      onClose(id, tabs.length ? tabs[tabs.length - 1].id : null);
    }

    // A customer's line arrived: unread unless its tab is the one on screen. True if it is unread.
    function customerSaid(id, at) {
      const t = find(id);
      if (!t) return false;
      if (!t.waitingSince) t.waitingSince = at;
      const unread = id !== active || document.hidden;
      if (unread) t.unread += 1;
      render();
      return unread;
    }

    function update(id, { label, waitingSince }) {
      const t = find(id);
      if (!t) return;
      if (label) t.label = label;
      if (waitingSince !== undefined) t.waitingSince = waitingSince;
      render();
    }

    function setQueue(n) { queueWaiting = n; render(); }

    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && active && find(active)) { find(active).unread = 0; render(); }
    });
    setInterval(render, 15000); // wait times move on
    render();
    return { open, remove, customerSaid, update, setQueue, has: (id) => !!find(id), ids: () => tabs.map((t) => t.id) };
  }

  window.SwitchboardWorkspace = { create, waited };
})();
