// The agent's open chats as tabs: several conversations at once, each with its unread count and
// how long its customer has been waiting for a reply; the window title counts unread messages
// and waiting customers, so a new message or handoff shows even in a background tab. A chat
// another agent holds is theirs to answer: it counts no unread line and no wait here.
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

  // onSelect(id) shows a conversation; onClose(id) after its tab is closed; onScreen(id): the
  // agent is looking at that conversation now (its tab active, the pane shown, the window visible).
  // Tabs are kept per agent for this browser tab (sessionStorage), so a reload keeps their names,
  // unread counts and waits, and another agent signing in here starts with their own.
  function create(strip, { onSelect, onClose, onScreen }) {
    let tabs = [];        // [{id, label, unread, waitingSince, heldBy}]; heldBy: the other agent who holds it
    let active = null;
    let queueWaiting = 0;
    let key = null;       // this agent's storage key; null while nobody is signed in

    const tab = (t) => ({
      id: String(t.id), label: typeof t.label === 'string' && t.label ? t.label : String(t.id).slice(0, 8),
      unread: Number.isInteger(t.unread) && t.unread > 0 ? t.unread : 0, waitingSince: t.waitingSince || null,
      heldBy: typeof t.heldBy === 'string' && t.heldBy ? t.heldBy : null,
    });
    const persist = () => { if (key) try { sessionStorage.setItem(key, JSON.stringify(tabs)); } catch (_) { /* blocked */ } };
    const find = (id) => tabs.find((t) => t.id === id);

    // True if this browser tab kept nothing for the agent (a new browser, or after signing out).
    function load(agentId) {
      key = `${KEY}.${agentId}`;
      let fresh = true;
      try {
        const stored = sessionStorage.getItem(key);
        fresh = stored === null;
        const kept = JSON.parse(stored || '[]');
        tabs = Array.isArray(kept) ? kept.filter((t) => t && t.id).map(tab) : [];
      } catch (_) { tabs = []; }
      active = null;
      render();
      return fresh;
    }

    // `forget`: the agent signed out: their tabs (with customers' words in the names) go from storage too
    function unload(forget = false) {
      if (forget && key) try { sessionStorage.removeItem(key); } catch (_) { /* blocked */ }
      key = null; tabs = []; active = null; render();
    }

    function render() {
      strip.hidden = !tabs.length;
      strip.replaceChildren(...tabs.map((t) => {
        const select = h('button', {
          type: 'button', className: 'chat-tab__select', role: 'tab', 'aria-selected': String(t.id === active),
          'data-testid': 'chat-tab', 'data-conversation-id': t.id, 'data-held-by': t.heldBy,
          title: t.heldBy && `Handled by ${t.heldBy}`, onclick: () => onSelect(t.id),
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
      if (!find(id)) tabs.push(tab({ id }));
      active = id;
      find(id).unread = 0;
      persist();
      render();
    }

    // A chat of the agent's whose tab they had closed: back in the strip, behind the one on screen.
    function add(id) {
      if (find(id)) return;
      tabs.push(tab({ id }));
      persist();
      render();
    }

    // The agent is looking at the active tab again (the dashboard closed, the window shown).
    function seen() {
      const t = active && find(active);
      if (t && t.unread && onScreen(active)) { t.unread = 0; persist(); render(); }
    }

    function remove(id) {
      tabs = tabs.filter((t) => t.id !== id);
      persist();
      if (active === id) active = null;
      render();
      onClose(id, tabs.length ? tabs[tabs.length - 1].id : null);
    }

    // A customer's line arrived: unread unless its tab is the one on screen or another agent holds
    // the chat. True if it is unread.
    function customerSaid(id, at) {
      const t = find(id);
      if (!t || t.heldBy) return false;
      if (!t.waitingSince) t.waitingSince = at;
      const unread = id !== active || !onScreen(id);
      if (unread) t.unread += 1;
      persist();
      render();
      return unread;
    }

    // A line of the chat's masked since (a card typed across lines): the tab's name, taken from the
    // customer's first line, may hold its digits; they go, here and in storage.
    function masked(id) {
      const t = find(id);
      if (!t || !/\d/.test(t.label)) return;
      t.label = t.label.replace(/\d/g, '•');
      persist();
      render();
    }

    // heldBy: the name of another agent who now holds the chat (its unread lines and wait are not
    // this agent's any more), or null when nobody else does.
    function update(id, { label, waitingSince, heldBy }) {
      const t = find(id);
      if (!t) return;
      const was = JSON.stringify(t);
      if (label) t.label = label;
      if (heldBy !== undefined) t.heldBy = heldBy || null;
      if (t.heldBy) { t.unread = 0; t.waitingSince = null; } else if (waitingSince !== undefined) t.waitingSince = waitingSince;
      if (JSON.stringify(t) === was) return; // the lists refresh often: re-render only on a change
      persist();
      render();
    }

    function setQueue(n) { queueWaiting = n; render(); }

    document.addEventListener('visibilitychange', seen);
    setInterval(render, 15000); // wait times move on
    render();
    return {
      load, unload, open, add, seen, remove, customerSaid, update, setQueue, masked,
      has: (id) => !!find(id), ids: () => tabs.map((t) => t.id),
    };
  }

  window.SwitchboardWorkspace = { create, waited };
})();
