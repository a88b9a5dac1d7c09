// What an agent has half-written in each chat, and the bot draft it came from, kept per agent for
// this browser tab (sessionStorage): switching chats or reloading the console loses none of it;
// signing out forgets it. Plain JS, no dependencies.
(() => {
  'use strict';

  const PREFIX = 'switchboard.console.compose.';

  // agentId(): the signed-in agent's id (the store holds nothing for nobody).
  function create(agentId) {
    const key = (conversationId) => `${PREFIX}${agentId()}.${conversationId}`;
    return {
      keep(conversationId, text, draftOf) {
        try {
          if (text.trim()) sessionStorage.setItem(key(conversationId), JSON.stringify({ text, draftOf: draftOf || null }));
          else sessionStorage.removeItem(key(conversationId));
        } catch (_) { /* storage blocked: the composer still works, unkept */ }
      },
      load(conversationId) {
        try {
          const kept = JSON.parse(sessionStorage.getItem(key(conversationId)) || 'null');
          if (kept && typeof kept.text === 'string') return { text: kept.text, draftOf: kept.draftOf || null };
        } catch (_) { /* blocked or garbled */ }
        return { text: '', draftOf: null };
      },
      forget() {
        try {
          const mine = `${PREFIX}${agentId()}.`;
          Object.keys(sessionStorage).filter((k) => k.startsWith(mine)).forEach((k) => sessionStorage.removeItem(k));
        } catch (_) { /* blocked */ }
      },
    };
  }

  window.SwitchboardComposeStore = { create };
})();
