// Canned responses in a composer: type "/" and a shortcut or words, pick with the arrows, insert
// with Enter or Tab, dismiss with Escape. Plain JS, no dependencies.
(() => {
  'use strict';

  const { h } = window.SwitchboardDOM;
  let lists = 0;

  // `search(q)` resolves to [{shortcut, title, text}]. The textarea's own Enter-to-send handler
  // does not see the keys this consumes while the list is open.
  function attach(input, search) {
    const id = `canned-list-${++lists}`;
    const list = h('ul', { id, className: 'canned', role: 'listbox', 'aria-label': 'Canned responses', hidden: true });
    input.parentElement.before(list);
    input.setAttribute('aria-controls', id);
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    let found = [], active = -1, asked = 0, timer = null;

    function query() {
      const m = /^\/(\S[^\n]*)?$/.exec(input.value);
      return m ? (m[1] || '') : null;
    }

    function close() {
      found = []; active = -1; list.hidden = true; list.replaceChildren();
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
    }

    function render() {
      list.replaceChildren(...found.map((r, i) => h('li', {
        id: `${id}-${i}`, role: 'option', className: 'canned__item', 'aria-selected': String(i === active),
        'data-shortcut': r.shortcut,
        onmousedown: (ev) => { ev.preventDefault(); choose(i); },
      }, h('span', { className: 'canned__shortcut' }, `/${r.shortcut}`), ' ',
        h('span', { className: 'canned__title' }, r.title),
        h('span', { className: 'canned__text' }, r.text))));
      if (!found.length) list.append(h('li', { className: 'canned__none', role: 'option', 'aria-disabled': 'true' }, 'No canned response matches.'));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      if (active >= 0) input.setAttribute('aria-activedescendant', `${id}-${active}`);
      else input.removeAttribute('aria-activedescendant');
    }

    function choose(i) {
      const picked = found[i];
      if (!picked) return;
      input.value = picked.text;
      close();
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }

    async function refresh() {
      const q = query();
      if (q === null) { close(); return; }
      const mine = ++asked;
      try {
        const results = await search(q);
        if (mine !== asked || query() === null) return; // a newer keystroke, or the slash is gone
        found = results; active = found.length ? 0 : -1; render();
      } catch (_) { close(); }
    }

    input.addEventListener('input', () => {
      clearTimeout(timer);
      if (query() === null) { close(); return; }
      timer = setTimeout(refresh, 120);
    });
    input.addEventListener('blur', () => setTimeout(close, 150));
    input.addEventListener('keydown', (ev) => {
      if (list.hidden) return;
      const consume = () => { ev.preventDefault(); ev.stopImmediatePropagation(); };
      if (ev.key === 'ArrowDown' && found.length) { consume(); active = (active + 1) % found.length; render(); }
      else if (ev.key === 'ArrowUp' && found.length) { consume(); active = (active - 1 + found.length) % found.length; render(); }
      else if ((ev.key === 'Enter' || ev.key === 'Tab') && !ev.shiftKey && active >= 0) { consume(); choose(active); }
      else if (ev.key === 'Escape') { consume(); close(); }
    }, { capture: true });
    return { close };
  }

  window.SwitchboardCanned = { attach };
})();
