// Internal notes in the console: the composer's "Reply | Note" switch, the note box, and each chat's
// half-written note. A note is for agents only, so it has a box of its own: a reply's text can never
// go out as a note, nor a note's reach the customer as a reply, and writing one sends no "typing"
// signal. Any agent may note any chat (one another agent holds, a closed one), so the note box stays
// usable where the reply box is disabled, and such a chat opens on it. Plain JS, no dependencies.
(() => {
  'use strict';

  // els: {replyTab, noteTab, modes, replyForm, replyInput, noteForm, input, send, error};
  // api(method, path, body); convPath(id); transcript.renderNote(note); agentId(): who is signed in.
  function create({ api, convPath, transcript, agentId, els }) {
    // Kept beside the half-written replies, under the same prefix, so signing out forgets them too.
    const store = window.SwitchboardComposeStore.create(() => `${agentId()}.note`);
    const chosen = new Map(); // conversation id -> 'reply' | 'note', as the agent picked it
    let id = null, canReply = null, sending = false;

    const showError = (text) => { els.error.textContent = text || ''; els.error.hidden = !text; };

    // The agent's pick; else a note already begun; else the note box where they may not reply.
    const mode = () => chosen.get(id) || (els.input.value.trim() || canReply === false ? 'note' : 'reply');

    function show() {
      const note = mode() === 'note';
      els.replyTab.setAttribute('aria-selected', String(!note));
      els.noteTab.setAttribute('aria-selected', String(note));
      els.modes.dataset.mode = note ? 'note' : 'reply';
      els.replyForm.hidden = note;
      els.noteForm.hidden = !note;
      els.send.disabled = sending || !id;
    }

    // The chat on screen (null: none) and whether this agent may reply in it (null: not known yet).
    function sync(conversationId, mayReply) {
      if (conversationId !== id) {
        id = conversationId;
        els.input.value = id && agentId() ? store.load(id).text : '';
        showError('');
      }
      canReply = mayReply;
      show();
    }

    function select(wanted, focus = true) {
      if (!id) return;
      chosen.set(id, wanted);
      show();
      if (focus) (wanted === 'note' ? els.input : els.replyInput).focus();
    }

    async function submit() {
      const text = els.input.value, sent = id;
      if (!sent || sending || !text.trim()) return;
      sending = true;
      show();
      showError('');
      try {
        const note = await api('POST', `${convPath(sent)}/notes`, { text });
        if (store.load(sent).text === text) store.keep(sent, '');
        if (sent === id) {
          if (els.input.value === text) els.input.value = '';
          transcript.renderNote(note);
        }
      } catch (e) {
        if (sent === id) showError(e.message);
      }
      sending = false;
      show();
    }

    els.replyTab.addEventListener('click', () => select('reply'));
    els.noteTab.addEventListener('click', () => select('note'));
    els.noteForm.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
    els.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); submit(); }
    });
    els.input.addEventListener('input', () => { if (id && agentId()) store.keep(id, els.input.value); });

    // Signed out: nothing of this agent's notes stays on the page for the next one.
    function reset() { chosen.clear(); id = null; els.input.value = ''; showError(''); show(); }

    return { sync, select, reset };
  }

  window.SwitchboardNotes = { create };
})();
