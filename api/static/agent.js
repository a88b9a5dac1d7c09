// Switchboard agent console. Plain JS, no dependencies.
(() => {
  'use strict';

  const SESSION_ENDED = 'Your session has ended. Please sign in again.';
  const EVENT_TYPES = ['message.created', 'message.corrected', 'handoff.requested',
    'conversation.claimed', 'conversation.released', 'conversation.closed', 'payment.requested', 'payment.received', 'payment.declined', 'message.delta', 'note.created', 'message.masked'];
  const $ = (id) => document.getElementById(id);
  const ui = {
    session: $('topbar-session'), sse: $('sse-status'), name: $('agent-name'), logout: $('logout'),
    loginView: $('login-view'), loginForm: $('login-form'), token: $('agent-token'),
    loginBtn: $('agent-login'), loginError: $('login-error'), console: $('console'),
    queueTitle: $('queue-title'), queue: $('queue'), live: $('live'), queueCount: $('queue-count'), liveCount: $('live-count'),
    empty: $('conversation-empty'), pane: $('conversation'), title: $('conversation-title'),
    state: $('conversation-state'), owner: $('conversation-agent'), reason: $('conversation-reason'),
    claim: $('claim-button'), takeOver: $('take-over-button'), release: $('release-button'), close: $('close-button'),
    payment: $('payment-button'), paymentStatus: $('payment-status'), presence: $('agent-presence'),
    dashboardButton: $('dashboard-button'), dashboard: $('dashboard'),
    actionError: $('action-error'), scroll: $('conversation-scroll'), list: $('conversation-messages'),
    replyForm: $('reply-form'), input: $('agent-input'), send: $('agent-send'), load: $('agent-load'),
  };

  let maxChats = null;                // the most conversations this agent may hold at once
  let stream = null;                  // the live event stream (SwitchboardSSE)
  let openId = null, openConv = null; // conversation shown in the pane, and its latest state
  let composerDraftOf = null; // the bot message whose draft the composer holds to edit (its reply cites the draft's sources)
  let myChats = new Set(); // ids of the conversations this agent holds, as the live list last said
  let busy = false;                   // an action or reply is in flight
  let openSeq = 0;                    // drops out-of-order detail responses

  const client = window.SwitchboardAgentApi.create({ onUnauthorized: () => sessionEnded() });
  const api = client.request, s = client.session; // s: {me, csrf, epoch}
  const { reasonLabel } = window.SwitchboardTranscript;

  const debounce = (fn, ms) => { let t; return () => { clearTimeout(t); t = setTimeout(fn, ms); }; };

  const convPath = (id) => `/v1/agent/conversations/${encodeURIComponent(id)}`;
  const messagePath = (m) => `${convPath(openId)}/messages/${encodeURIComponent(m.id)}`;
  const isMine = (c) => !!(c && c.agent && s.me && String(c.agent.id) === String(s.me.id));
  const heldBy = (c) => (c.state === 'agent' && c.agent && !isMine(c) ? c.agent.name : null); // another agent, who alone may answer
  const showActionError = (text) => { ui.actionError.textContent = text || ''; ui.actionError.hidden = !text; };

  // ---------- session ----------
  function signedIn(session) {
    s.epoch += 1;
    s.me = session.agent;
    s.csrf = session.csrf_token;
    maxChats = session.max_chats;
    ui.presence.value = session.presence || 'online';
    ui.dashboardButton.hidden = s.me.role !== 'admin';
    startConsole();
  }

  async function login(candidate) {
    ui.loginBtn.disabled = true;
    try {
      signedIn(await api('POST', '/v1/agent/session', { token: candidate }));
      ui.queueTitle.focus(); // the form is gone: the keyboard starts at the queue, not the top of the page
    } catch (e) {
      showLogin(e.status === 401 ? 'That token is invalid or has been revoked.' : e.message);
    }
    ui.loginBtn.disabled = false;
  }

  // On load: the cookie, if any, still holds a session; the page only needs its CSRF token back.
  async function restore() {
    try { signedIn(await api('GET', '/v1/agent/session')); } catch (_) { showLogin(); }
  }

  function showLogin(error) {
    ui.console.hidden = ui.session.hidden = true;
    ui.loginView.hidden = false;
    ui.loginError.textContent = error || '';
    ui.loginError.hidden = !error;
    ui.token.focus();
  }

  function sessionEnded() { logout(SESSION_ENDED); }

  async function signOut() {
    const sent = s.epoch;
    forgetWorkspace();
    try { await api('DELETE', '/v1/agent/session'); } catch (_) { /* the session is gone either way */ }
    if (s.epoch === sent) logout();
  }

  function logout(message) {
    s.epoch += 1;
    s.me = s.csrf = null;
    disconnect();
    closePane();
    tabs.unload();
    notes.reset();
    myChats = new Set();
    ui.queue.replaceChildren();
    ui.live.replaceChildren();
    showLogin(message);
  }

  let bringHeld = false; // signed in on a browser tab that kept no tabs: the chats they hold get one
  function startConsole() {
    ui.name.textContent = s.me.name || 'Agent';
    bringHeld = tabs.load(s.me.id);
    ui.loginView.hidden = ui.loginError.hidden = true;
    ui.session.hidden = ui.console.hidden = false;
    connect();
    refreshLists();
    const fromHash = decodeURIComponent(location.hash.slice(1)) || tabs.ids().slice(-1)[0];
    if (fromHash) openConversation(fromHash);
  }

  // ---------- conversation lists ----------
  async function refreshLists() {
    if (!s.me) return;
    try {
      const [q, l] = await Promise.all([api('GET', '/v1/agent/queue'), api('GET', '/v1/agent/conversations')]);
      const options = { isMine, current: openId, onOpen: (id) => openConversation(id, { focus: true }) };
      window.SwitchboardConvList.render(ui.queue, ui.queueCount, q.conversations || [], 'No one is waiting.', options);
      tabs.setQueue((q.conversations || []).length);
      window.SwitchboardConvList.render(ui.live, ui.liveCount, l.conversations || [], 'No open conversations.', options);
      (l.conversations || []).forEach((c) => tabs.update(String(c.id), { heldBy: heldBy(c) }));
      const mine = (l.conversations || []).filter((c) => c.state === 'agent' && isMine(c));
      myChats = new Set(mine.map((c) => String(c.id)));
      if (bringHeld) { bringHeld = false; myChats.forEach((id) => tabs.add(id)); }
      ui.load.textContent = `${mine.length} of ${maxChats} chats`;
      ui.load.dataset.full = String(mine.length >= maxChats);
    } catch (_) { /* transient; the next event or reconnect refetches */ }
  }
  const scheduleLists = debounce(refreshLists, 200);

  // ---------- open conversation ----------
  // `focus`: chosen from a list, the keyboard goes to its heading (Tab: Claim); a refresh never moves it.
  // `refresh`: the chat on screen fetched again; it neither marks its lines seen nor closes the dashboard.
  async function openConversation(id, { focus = false, refresh = false } = {}) {
    const seq = ++openSeq;
    if (!refresh) tabs.open(id);
    if (id !== openId) {
      openId = id;
      openConv = null;
      ui.title.textContent = `Conversation ${id.slice(0, 8)}`;
      ui.list.replaceChildren();
      restoreComposer(id);
      showActionError('');
      updateControls();
      if (matchMedia('(max-width: 800px)').matches) ui.pane.scrollIntoView();
    }
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
    document.querySelectorAll('.conv-item').forEach((b) => {
      if (b.dataset.conversationId === id) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
    });
    if (!refresh && !ui.dashboard.hidden) showDashboard(false);
    if (ui.dashboard.hidden) ui.empty.hidden = !(ui.pane.hidden = false);
    if (focus) ui.title.focus();
    try {
      const c = await api('GET', convPath(id));
      if (seq !== openSeq || id !== openId) return;
      renderHeader(c);
      (c.messages || []).forEach((m) => transcript.render(m));
      (c.notes || []).forEach((n) => transcript.renderNote(n)); // agents' internal notes, placed by time
      const said = (c.messages || []).filter((m) => m.role === 'customer');
      tabs.update(id, {
        label: said.length ? said[0].text.slice(0, 18) : `#${id.slice(0, 6)}`,
        waitingSince: waitingForPerson(c), heldBy: heldBy(c),
      });
    } catch (e) {
      if (seq === openSeq && s.me) showActionError(e.message);
    }
  }
  // Since when the customer has waited for a person: their first line after the last answer (a
  // person's, or the bot's before it handed off), while the chat is queued or held; the bot's
  // handoff notice is no answer. Null if nobody waits.
  function waitingForPerson(c) {
    if (c.state !== 'queued' && c.state !== 'agent') return null;
    let since = null;
    (c.messages || []).forEach((m) => {
      if (m.role === 'agent' || (m.role === 'bot' && !m.handoff)) since = null; // answered
      else if (m.role === 'customer' && !since) since = m.created_at;
    });
    return since;
  }
  const refreshOpen = debounce(() => { if (openId) openConversation(openId, { refresh: true }); }, 200);

  const chime = window.SwitchboardChime.create($('sound-button'));
  const tabs = window.SwitchboardWorkspace.create($('chat-tabs'), {
    onScreen: (id) => id === openId && ui.dashboard.hidden && !ui.pane.hidden && !document.hidden,
    onSelect: (id) => openConversation(id),
    onClose: (id, next) => { if (openId === id) { if (next) openConversation(next); else closePane(); } },
  });

  function closePane() {
    openId = openConv = null;
    ui.empty.hidden = !(ui.pane.hidden = true);
    ui.list.replaceChildren();
    if (location.hash) history.replaceState(null, '', location.pathname);
  }

  function renderHeader(c) {
    openConv = c;
    ui.title.textContent = `Conversation ${String(c.id).slice(0, 8)}`;
    ui.title.title = String(c.id);
    ui.state.textContent = c.state;
    ui.state.className = `badge badge--${c.state}`;
    const who = c.agent && (isMine(c) ? 'you' : c.agent.name);
    ui.owner.textContent = !who ? '' : c.state === 'closed' ? `Closed (was handled by ${who})`
      : c.state === 'agent' && !isMine(c) ? `Handled by ${who}: only they can reply, return it to the bot or close it, unless you take it over` : `Handled by ${who}`;
    ui.reason.textContent = c.handoff_reason
      ? `Reason: ${reasonLabel(c.handoff_reason)}${c.handoff_detail ? ` — ${c.handoff_detail}` : ''}` : '';
    ui.paymentStatus.textContent = c.payment_request ? 'Waiting for the customer\'s card (secure form)…' : '';
    ui.pane.dataset.state = c.state;
    updateControls();
  }

  function updateControls() {
    const c = openConv, closed = !c || c.state === 'closed';
    const theirs = !!c && c.state === 'agent' && !isMine(c); // another agent holds it: the server refuses these
    ui.claim.disabled = busy || closed || theirs || (c.state === 'agent' && isMine(c));
    ui.takeOver.hidden = !theirs || closed; // the server says why not (its holder is online, you are no admin)
    ui.takeOver.disabled = busy;
    ui.release.disabled = busy || !(c && c.state === 'agent' && isMine(c)); // the server returns only a chat one holds
    ui.close.disabled = ui.send.disabled = busy || closed || theirs;
    ui.payment.disabled = busy || closed || !(c.state === 'agent' && isMine(c));
    ui.input.disabled = closed || theirs;
    transcript.setAnswerable(!(closed || theirs)); // Correct, Send draft, Edit draft: refused there too
    notes.sync(openId, c ? !(closed || theirs) : null); // where one may not reply, one may still write a note
  }

  // ---------- transcript ----------
  const forms = window.SwitchboardMessageForms.create({
    api, messagePath, template: $('correct-template'),
    onCorrected: (m) => transcript.render(m), onFlagged: (li) => transcript.markFlagged(li),
  });
  const transcript = window.SwitchboardTranscript.create({
    list: ui.list, scroll: ui.scroll,
    actions: {
      correct: forms.toggleCorrect, flag: forms.toggleFlag,
      sendDraft: (text, id) => sendText(text, id), editDraft: (text, id) => editText(text, id),
      messageActions: window.SwitchboardKbDraft.create({ api, messagePath }).addButton, // "Propose as article"
    },
  });
  const notes = window.SwitchboardNotes.create({
    api, convPath, transcript, agentId: () => (s.me ? s.me.id : ''),
    els: { replyTab: $('mode-reply'), noteTab: $('mode-note'), modes: $('composer-modes'), replyForm: ui.replyForm,
      replyInput: ui.input, noteForm: $('note-form'), input: $('note-input'), send: $('note-send'), error: $('note-error') },
  });

  // ---------- actions ----------
  // True if it succeeded and its conversation is still the one on screen.
  async function runAction(fn) {
    if (busy || !openId) return false;
    const id = openId;
    let done = false;
    busy = true;
    updateControls();
    showActionError('');
    try {
      const result = await fn(id);
      if (id === openId && result && result.state) renderHeader(result);
      refreshOpen();
      scheduleLists();
      done = id === openId;
    } catch (e) {
      if (id === openId && s.me) showActionError(e.message);
    }
    busy = false;
    updateControls();
    return done;
  }

  const post = (suffix) => () => runAction((id) => api('POST', `${convPath(id)}/${suffix}`));
  // The pressed Claim button is disabled while it works: focus goes on to the reply, not to <body>.
  ui.claim.addEventListener('click', async () => { if (await post('claim')()) ui.input.focus(); });
  ui.takeOver.addEventListener('click', async () => { if (await post('take-over')()) ui.input.focus(); });
  ui.release.addEventListener('click', post('release'));
  ui.close.addEventListener('click', post('close'));
  ui.payment.addEventListener('click', () => runAction((id) => api('POST', `${convPath(id)}/payment-requests`, {})));

  // Replying to an unowned conversation takes it over; refreshOpen() picks up the new state.
  // Each chat keeps its half-written reply (compose_store.js); signing out forgets them and the tabs.
  const composeStore = window.SwitchboardComposeStore.create(() => (s.me ? s.me.id : ''));
  function keepComposer() { if (openId) composeStore.keep(openId, ui.input.value, composerDraftOf); }
  function restoreComposer(id) { ({ text: ui.input.value, draftOf: composerDraftOf } = composeStore.load(id)); }
  function forgetWorkspace() { if (s.me) { composeStore.forget(); tabs.unload(true); } }

  // draftOf: the bot message whose draft is sent, so the reply cites the draft's sources.
  const sendText = (text, draftOf) => runAction(async (id) => {
    const msg = await api('POST', `${convPath(id)}/messages`, draftOf ? { text, draft_of: Number(draftOf) } : { text });
    if (id === openId) {
      if (ui.input.value === text) { ui.input.value = ''; composerDraftOf = null; keepComposer(); }
      transcript.render(msg);
    }
  });
  const editText = (text, draftOf) => {
    notes.select('reply', false); // the draft goes to the customer: the reply box, never the note's
    ui.input.value = text; composerDraftOf = draftOf || null;
    keepComposer();
    ui.input.focus(); ui.input.setSelectionRange(text.length, text.length);
  };
  ui.input.addEventListener('input', () => { if (!ui.input.value.trim()) composerDraftOf = null; keepComposer(); });

  // With the composer empty nothing is sent. The bot held its draft back as too doubtful to send,
  // so one stray key must not send it: only its own "Send draft" button does; Arrow-Up puts it in
  // to edit (a draft the customer has written past answers an old question).
  const sendReply = () => {
    if (ui.input.value.trim()) { sendText(ui.input.value, composerDraftOf); return; }
    if (transcript.pendingDraft({ fresh: true })) showActionError('Enter does not send the bot\'s draft: press ↑ to edit it, or use its Send draft button.');
    else if (transcript.pendingDraft()) showActionError('The bot\'s draft answers an earlier line: press ↑ to edit it before sending.');
  };

  // ---------- live updates (SSE) ----------
  const setSse = (state, text) => { ui.sse.dataset.state = state; ui.sse.textContent = text; };

  // Over fetch (sse.js), so no credential is ever put in the URL; the session cookie goes along.
  function connect() {
    disconnect();
    if (!s.me) return;
    const sent = s.epoch;
    setSse('connecting', 'connecting…');
    stream = SwitchboardSSE.open({
      url: '/v1/agent/events',
      onOpen: () => { setSse('live', 'live'); scheduleLists(); refreshOpen(); },
      onLost: () => { if (s.epoch === sent) setSse('reconnecting', 'reconnecting…'); }, // server or network down: retrying
      onError: (status) => {
        if (s.epoch !== sent) return;
        if (status === 401) { sessionEnded(); return; }
        setSse('reconnecting', 'reconnecting…'); // refused for another reason: check the session, then retry
        setTimeout(() => { if (s.epoch === sent) api('GET', '/v1/agent/session').then(connect, () => {}); }, 3000);
      },
      onEvent: (type, data) => {
        if (!EVENT_TYPES.includes(type)) return;
        if (type === 'message.delta') { if (String(data.conversation_id) === openId) transcript.showWriting(data); return; }
        if (type === 'note.created') { if (String(data.conversation_id) === openId) transcript.renderNote(data.note); return; }
        // an earlier line's digits masked (a card typed across lines): no new line, nothing unread
        if (type === 'message.masked') { if (String(data.conversation_id) === openId) transcript.render(data.message); tabs.masked(String(data.conversation_id)); scheduleLists(); return; }
        scheduleLists();
        const said = data.message && data.message.role;
        const cid = String(data.conversation_id);
        if (type === 'handoff.requested') { chime.ring('handoff'); tabs.update(cid, { heldBy: null }); } // queued: nobody holds it
        // A chat another agent claimed is theirs to answer: its lines no longer count, chime or wait here.
        if (type === 'conversation.claimed' && data.agent) {
          const mine = isMine(data);
          if (mine) myChats.add(cid); else myChats.delete(cid);
          tabs.update(cid, { heldBy: mine ? null : data.agent.name });
        }
        // nobody waits on this agent once the chat went back to the bot or closed
        if (type === 'conversation.released' || type === 'conversation.closed') { myChats.delete(cid); tabs.update(cid, { heldBy: null, waitingSince: null }); }
        if (said === 'customer' && myChats.has(cid)) tabs.add(cid); // a chat of theirs whose tab they closed
        if (said === 'customer' && tabs.customerSaid(cid, data.message.created_at)) chime.ring('message');
        else if (said === 'agent') tabs.update(cid, { waitingSince: null });
        if (!openId || String(data.conversation_id) !== openId) return;
        // a bot message carries agent-only fields (draft, signals) that events leave out: fetch it whole
        if (data.message && data.message.role === 'bot') transcript.removeWriting();
        if (data.message && data.message.role !== 'bot') transcript.render(data.message); else refreshOpen();
      },
    });
  }

  function disconnect() { if (stream) stream.close(); stream = null; }

  // ---------- wiring ----------
  ui.loginForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = ui.token.value.trim();
    ui.token.value = ''; // the token is not kept anywhere once it is sent
    if (value) login(value); else showLogin('Please enter your access token.');
  });
  ui.logout.addEventListener('click', (ev) => { ev.preventDefault(); signOut(); });
  // Admins: the dashboard takes the place of the conversation pane until pressed again.
  function showDashboard(show) {
    ui.dashboardButton.setAttribute('aria-pressed', String(show));
    ui.dashboard.hidden = !show;
    ui.pane.hidden = show || !openId;
    ui.empty.hidden = show || Boolean(openId);
    if (!show) tabs.seen();
  }
  ui.dashboardButton.addEventListener('click', async () => {
    const show = ui.dashboard.hidden;
    showDashboard(show);
    if (!show) return;
    try { window.SwitchboardDashboard.render(ui.dashboard, await api('GET', '/v1/admin/metrics'), maxChats); } catch (e) { showActionError(e.message); }
  });
  ui.presence.addEventListener('change', async () => {
    const wanted = ui.presence.value;
    try { ui.presence.value = (await api('PUT', '/v1/agent/presence', { status: wanted })).status; } catch (e) { showActionError(e.message); }
  });
  ui.replyForm.addEventListener('submit', (ev) => { ev.preventDefault(); sendReply(); });
  ui.input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); sendReply(); }
    if (ev.key === 'ArrowUp' && !ui.input.value) { const draft = transcript.pendingDraft(); if (draft) { ev.preventDefault(); editText(draft.text, draft.messageId); } }
  });
  // While the agent types a reply, the customer sees "NAME is typing…" (at most one signal every 3 s).
  let typingSent = 0;
  ui.input.addEventListener('input', () => {
    const text = ui.input.value;
    if (!openId || !text.trim() || text.startsWith('/') || Date.now() - typingSent < 3000) return;
    typingSent = Date.now();
    api('POST', `${convPath(openId)}/typing`).catch(() => {});
  });
  window.SwitchboardCanned.attach(ui.input, async (q) =>
    (await api('GET', `/v1/agent/canned-responses?q=${encodeURIComponent(q)}`)).canned_responses);

  restore();
})();
