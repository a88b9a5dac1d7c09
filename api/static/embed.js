// The chat inside the widget's iframe keeps its conversation through the host page. Browsers
// deny storage (and cookies) to a third-party iframe, so the widget's loader, which runs on the
// host page, keeps it in the host site's localStorage and hands it over by postMessage; a token
// never travels in a URL. Plain JS, no dependencies.
(() => {
  'use strict';

  let parentOrigin = null; // learnt from the loader's answer: tokens are posted to it alone ('*': see below)
  let answer;
  const loaded = new Promise((resolve) => { answer = resolve; });
  setTimeout(() => answer(null), 3000); // no loader answered (the page was opened on its own)

  window.addEventListener('message', (ev) => {
    if (ev.source !== parent || !ev.data || ev.data.switchboard !== 'conversation') return;
    // A page opened from a file (or a sandboxed one) has an opaque origin, "null", which no
    // message can be addressed to: there the answer's sender, our parent, is all we can pin.
    parentOrigin = ev.origin === 'null' ? '*' : ev.origin;
    answer(typeof ev.data.value === 'string' ? ev.data.value : null);
  });
  if (parent !== window) parent.postMessage({ switchboard: 'ready' }, '*');

  const post = (message) => { if (parentOrigin) parent.postMessage(message, parentOrigin); };

  window.SwitchboardEmbed = {
    store: {
      load: () => loaded,
      save: (text) => post({ switchboard: 'save', value: text }),
      clear: () => post({ switchboard: 'save', value: null }),
    },
    close: () => parent.postMessage({ switchboard: 'close' }, parentOrigin || '*'),
    // a reply (message id) is in the chat: the loader counts it once, if the panel is closed
    incoming: (id) => post({ switchboard: 'incoming', ids: [id] }),
    // the conversation was closed just now: counted once too (the customer has a rating to give)
    closed: () => post({ switchboard: 'incoming', ids: [], closed: true }),
    // the replies a snapshot of the conversation holds, all at once, and whether it is closed (see widget.js)
    replayed: (ids, closed) => post({ switchboard: 'incoming', ids, replay: true, closed }),
  };
})();
