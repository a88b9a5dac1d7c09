// Switchboard customer chat widget. Plain JS, no dependencies.
(() => {
  'use strict';

  const STORAGE_KEY = 'switchboard.chat';
  // In the widget (an iframe on another site) the browser withholds this site's cookies and
  // storage, so the conversation's token is sent as a Bearer header and kept by the widget's
  // loader in the host site's localStorage (embed.js). The chat page itself keeps no token: it
  // lives in an HttpOnly cookie.
  const EMBED = document.body.dataset.embed === 'true';
  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $('chat-status'), handoff: $('handoff-button'), scroll: $('chat-scroll'),
    welcome: $('chat-welcome'), list: $('messages'), notice: $('closed-notice'), closedText: $('closed-text'),
    newConv: $('new-conversation'), form: $('chat-form'), input: $('chat-input'),
    send: $('chat-send'), error: $('chat-error'), typing: $('chat-typing'), connection: $('chat-connection'),
  };

  let conv = null;        // {id} of the current conversation; its token is an HttpOnly cookie
  let state = 'bot';
  let stateChanges = 0;   // counts setState calls: a snapshot older than a live change is stale
  let stream = null;      // the conversation's event stream (SwitchboardSSE)
  let streamRetry = null; // timer for re-opening a stream the server refused
  let generation = 0;     // bumps when the conversation changes; drops stale async results
  let creating = null;    // the in-flight POST /v1/conversations, shared by concurrent callers

  // ---------- helpers ----------
  class ApiError extends Error { // detail: the server's own (a 422's list names the fields)
    constructor(status, message, detail, retryAfter) {
      super(message); this.status = status; this.detail = detail; this.retryAfter = retryAfter;
    }
  }

  function detailText(data, status) {
    const d = data && data.detail;
    if (typeof d === 'string' && d) return d;
    if (Array.isArray(d) && d.length) return d.map((x) => (x && x.msg) || String(x)).join('; ');
    return `Something went wrong (${status}). Please try again.`;
  }

  const bearer = () => (EMBED && conv && conv.token ? { Authorization: `Bearer ${conv.token}` } : {});

  async function api(method, path, body) {
    const headers = { Accept: 'application/json', ...bearer() };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, {
        method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError(0, 'Could not reach the server. Check your connection and try again.');
    }
    let data = null;
    try { data = await res.json(); } catch (_) { /* empty or non-JSON body */ }
    if (!res.ok) {
      const wait = Number(res.headers.get('Retry-After')); // seconds (a 429, a 503)
      throw new ApiError(res.status, detailText(data, res.status), data && data.detail, wait > 0 ? wait : undefined);
    }
    return data;
  }

  const transcript = window.SwitchboardChatTranscript.create({ list: ui.list, scroll: ui.scroll, welcome: ui.welcome });

  const conversationPath = () => `/v1/conversations/${encodeURIComponent(conv.id)}`;

  function showError(text) { ui.error.textContent = text; ui.error.hidden = !text; }
  // "Connection lost. Reconnecting…" while the conversation's stream is down and being retried.
  function showLost(lost) { ui.connection.hidden = !lost; }

  // ---------- state ----------
  let teamOnline = true; // is any agent online (from the last snapshot)
  let teamWatch = null;  // while waiting for a person: looks again every TEAM_LOOK_MS
  const TEAM_LOOK_MS = 15000;
  let typingTimer = null;

  // Someone is writing: the bot (an LLM takes seconds; its reply is shown only once it is decided)
  // or an agent (for a few seconds after each signal from the console).
  function typing(on, who = 'Assistant', seconds = 90) {
    clearTimeout(typingTimer);
    ui.typing.hidden = !on;
    if (on) {
      ui.typing.textContent = `${who} is writing…`;
      typingTimer = setTimeout(() => { ui.typing.hidden = true; }, seconds * 1000);
    }
  }

  // What the closed notice says: why, when the service closed it for idling (api/idle_close.py).
  const CLOSED = 'This conversation has been closed.';
  function closedText(d) {
    const s = d && d.reason === 'inactive' ? Number(d.idle_seconds) : 0;
    if (!(s > 0)) return CLOSED;
    const [n, unit] = s >= 3600 ? [Math.round(s / 3600), 'hour'] : s >= 60 ? [Math.round(s / 60), 'minute'] : [Math.round(s), 'second'];
    return `This conversation was closed after ${n} ${unit}${n === 1 ? '' : 's'} without a new message.`;
  }

  function setState(next, agent) {
    if (next !== 'bot') typing(false);
    state = next;
    stateChanges += 1;
    const labels = {
      bot: 'Assistant',
      queued: teamOnline ? 'Waiting for a person…' : 'Waiting for a person (our team is away right now; we will reply here)',
      agent: `${(agent && agent.name) || 'An agent'} joined`,
      closed: 'Conversation closed',
    };
    ui.status.textContent = labels[next] || labels.bot;
    ui.status.title = ui.status.textContent; // the narrow widget may show only its start
    ui.status.dataset.state = next;
    ui.handoff.disabled = next !== 'bot';
    ui.notice.hidden = next !== 'closed';  // "Start a new conversation" replaces the handoff button
    ui.handoff.hidden = next === 'closed';
    ui.form.hidden = next === 'closed';  // nothing more can be said here: the notice offers a new conversation
    // the notice takes more room than the composer did: the last message stays in view above it
    if (next === 'closed') requestAnimationFrame(() => { ui.scroll.scrollTop = ui.scroll.scrollHeight; });
    watchTeam();
  }

  // Waiting for a person: presence is no event on the customer's stream (an agent is online while
  // their console is open, api/presence.py, which no event marks the end of), so the page looks
  // again every TEAM_LOOK_MS, and when the customer comes back to it, and the status follows both
  // ways: "away" once the last agent has gone, "Waiting for a person…" once one is online. (It
  // had looked only while nobody was online, every 30 s, and never for the team leaving.)
  function watchTeam() {
    const waiting = state === 'queued';
    if (waiting && !teamWatch) teamWatch = setInterval(() => sync(), TEAM_LOOK_MS);
    if (!waiting && teamWatch) { clearInterval(teamWatch); teamWatch = null; }
  }
  document.addEventListener('visibilitychange', () => { if (!document.hidden && state === 'queued') sync(); });

  // `since`: the state change count when the snapshot was requested. A live event or a reply
  // that landed while it was on its way is newer than the snapshot, and wins.
  function applyConversation(c, since) {
    if (typeof c.team_online === 'boolean') teamOnline = c.team_online;
    if (since === undefined || since === stateChanges) setState(c.state, c.agent);
    (c.messages || []).forEach((m) => transcript.render(m));
    outbox.settled((c.messages || []).map((m) => m.client_id).filter(Boolean));
    if (EMBED) window.SwitchboardEmbed.replayed((c.messages || []).filter((m) => m.role !== 'customer').map((m) => m.id), c.state === 'closed');
    if (c.payment_request && c.state !== 'closed') payment.show(c.payment_request); else payment.hide();
  }

  // ---------- conversation lifecycle ----------
  // Only the conversation's id is kept in the page; the token that opens it is an HttpOnly cookie
  // no script can read, sent only to this conversation's endpoints. With it go the lines typed but
  // not yet stored (`waiting`, from the outbox), so that a reload or another page sends them.
  const pageStore = {
    load: async () => localStorage.getItem(STORAGE_KEY),
    save: (text) => { try { localStorage.setItem(STORAGE_KEY, text); } catch (_) { /* blocked or full: this page only */ } },
    clear: () => { try { localStorage.removeItem(STORAGE_KEY); } catch (_) { /* blocked */ } },
  };
  const store = EMBED ? window.SwitchboardEmbed.store : pageStore;
  function save() {
    const waiting = outbox.waiting();
    if (!conv && !waiting.length) { store.clear(); return; }
    const kept = !conv ? {} : EMBED ? { id: conv.id, token: conv.token } : { id: conv.id };
    store.save(JSON.stringify(waiting.length ? { ...kept, waiting } : kept));
  }
  // {conv: the saved conversation or null, waiting: its lines not yet stored}
  async function loadSaved() {
    try {
      const c = JSON.parse((await store.load()) || 'null');
      const waiting = c && Array.isArray(c.waiting) ? c.waiting : [];
      if (!c || !c.id || (EMBED && !c.token)) return { conv: null, waiting };
      return { conv: EMBED ? { id: String(c.id), token: String(c.token) } : { id: String(c.id) }, waiting };
    } catch (_) { return { conv: null, waiting: [] }; }
  }

  // A conversation is created lazily: on the first message, or when the customer asks for a
  // person. Merely opening the page creates nothing and opens no stream, so agents never see
  // empty conversations.
  const rating = window.SwitchboardRating.attach($('rating-form'), (score, comment) =>
    api('PUT', `/v1/conversations/${encodeURIComponent(conv.id)}/rating`, { score, comment }));

  const paymentPath = (requestId) => `${conversationPath()}/payment-requests/${encodeURIComponent(requestId)}`;
  const payment = window.SwitchboardPayment.attach($('payment-form'),
    (requestId, card) => api('POST', `${paymentPath(requestId)}/card`, card),
    (requestId) => api('POST', `${paymentPath(requestId)}/decline`));

  function resetConversation() {
    rating.reset();
    payment.hide();
    disconnect();
    showLost(false);
    generation++;
    conv = null;
    creating = null;
    save(); // lines still waiting go to the next conversation
    transcript.clear();
    ui.closedText.textContent = CLOSED;
    setState('bot');
  }

  async function createConversation() {
    const gen = generation;
    const data = await api('POST', '/v1/conversations');
    if (gen !== generation) throw new ApiError(0, 'The conversation was reset. Please try again.');
    // the token came as a cookie too; the page keeps none, the widget keeps it (see EMBED)
    conv = EMBED ? { id: String(data.id), token: String(data.token) } : { id: String(data.id) };
    save();
    connect();
    return conv;
  }

  // Send and "Talk to a person" may race: both share one creation request.
  async function ensureConversation() {
    await restored; // a saved conversation (the widget's comes from the host page) is resumed, not replaced
    if (conv) return conv;
    if (!creating) {
      const pending = createConversation();
      const forget = () => { if (creating === pending) creating = null; };
      pending.then(forget, forget);
      creating = pending;
    }
    return creating;
  }

  async function sync() {
    if (!conv) return;
    const gen = generation;
    const since = stateChanges;
    try {
      const c = await api('GET', conversationPath());
      if (gen === generation) applyConversation(c, since);
    } catch (_) { /* the stream keeps retrying; nothing to show */ }
  }

  let restored = null; // boot(), until the saved conversation (if any) is back

  // Lines an earlier page could not send go now, behind what the conversation holds (those it
  // holds already, stored before that page heard so, are not sent again).
  async function boot() {
    const { conv: saved, waiting } = await loadSaved();
    if (!saved) { setState('bot'); outbox.restore(waiting); return; } // nothing to resume: wait for the first message
    conv = saved;
    try {
      const c = await api('GET', conversationPath());
      applyConversation(c);
      connect();
      const stored = (c.messages || []).map((m) => m.client_id);
      outbox.restore(waiting.filter((l) => !stored.includes(l && l.clientId)));
    } catch (e) {
      if ([401, 403, 404].includes(e.status)) resetConversation(); // gone: start afresh on the next message
      else connect(); // server unreachable: keep it; the stream retries and syncs
      outbox.restore(waiting);
    }
  }

  // ---------- live updates (SSE) ----------
  // A line from the bot or our team that is new to this page: in the widget, the launcher counts it
  // while the panel is closed. (The stream replays the conversation; what was shown is not new.)
  // The loader counts each reply once by its id, so the replay is no news and a reply that came
  // while the customer was on no page of the site is.
  function heard(m) {
    transcript.render(m);
    if (m.role !== 'customer' && EMBED) window.SwitchboardEmbed.incoming(m.id);
  }

  // The stream is opened with the conversation's cookie, never a token in the URL (URLs end up in logs).
  function connect() {
    disconnect();
    if (!conv) return;
    const gen = generation;
    const handlers = {
      'message.created': (d) => {
        if (d.message.role !== 'customer') typing(false);
        else if (d.message.client_id) outbox.settled([d.message.client_id]); // stored, its answer perhaps lost: not sent again
        heard(d.message);
      },
      'bot.typing': () => typing(true),
      'agent.typing': (d) => typing(true, (d.agent && d.agent.name) || 'An agent', 5),
      'message.corrected': (d) => heard(d.message),
      'message.masked': (d) => transcript.render(d.message), // a card typed across lines: their earlier line masked
      // A card asked for by the agent who held the chat is not wanted once it leaves their hands
      // (api/held_chats.py, end_payment_requests): back to the queue, taken over by another agent
      // (`from`), returned to the bot or closed. Its form goes with it, before anything is typed.
      'handoff.requested': () => { setState('queued'); payment.hide(); sync(); }, // sync: is anyone online to take it?
      'conversation.claimed': (d) => { setState('agent', d.agent); if (d.from) payment.hide(); },
      'conversation.released': () => { setState('bot'); payment.hide(); },
      'conversation.closed': (d) => {
        ui.closedText.textContent = closedText(d);
        setState('closed');
        payment.hide();
        if (EMBED) window.SwitchboardEmbed.closed(); // news for the launcher, as a reply is: the rating waits here
      },
      'payment.requested': (d) => payment.show(d.request),
      'payment.received': () => payment.hide(),
      'payment.declined': () => payment.hide(), // in another tab of theirs, too
    };
    stream = window.SwitchboardSSE.open({
      url: `${conversationPath()}/events`,
      headers: bearer,
      // catch up on anything missed before the stream opened, then send the lines that waited for it
      onOpen: () => { if (gen === generation) showLost(false); sync().then(() => outbox.resend()); },
      onLost: () => { if (gen === generation) showLost(true); },
      onEvent: (type, data) => {
        if (gen !== generation || (data.conversation_id && String(data.conversation_id) !== conv.id)) return;
        if (handlers[type]) handlers[type](data);
      },
      onError: (status) => {
        if (gen !== generation) return;
        if (status === 401 || status === 404) resetConversation(); // gone: start afresh on the next message
        else { showLost(true); streamRetry = setTimeout(connect, 3000); }
      },
    });
  }

  function disconnect() { clearTimeout(streamRetry); if (stream) stream.close(); stream = null; }

  // ---------- actions ----------
  const outbox = window.SwitchboardOutbox.create({
    transcript,
    form: ui.form,
    send: async (line) => {
      await ensureConversation();
      const gen = generation;
      const data = await api('POST', `${conversationPath()}/messages`,
        { text: line.text, client_id: line.clientId, wait_for_reply: false });
      return gen === generation ? data : null;
    },
    onClosed: () => setState('closed'),
    onGone: (waiting) => {
      resetConversation();
      ui.list.append(...waiting);
      ui.welcome.hidden = true;
    },
    onChange: () => save(),
  });
  window.addEventListener('online', () => outbox.resend()); // the stream's retry may still be minutes away

  function submit() {
    const text = ui.input.value;
    if (!text.trim()) { // never create a conversation for an empty message
      showError('Please type a message first.');
      ui.input.focus();
      return;
    }
    ui.input.value = '';
    autosize();
    showError('');
    outbox.add(text);
  }

  async function requestHandoff() {
    ui.handoff.disabled = true;
    showError('');
    try {
      await ensureConversation();
      const c = await api('POST', `${conversationPath()}/handoff`);
      setState(c.state || 'queued', c.agent);
    } catch (e) {
      if (e.status === 409) setState('closed'); else showError(e.message);
      ui.handoff.disabled = state !== 'bot';
    }
  }

  function autosize() {
    ui.input.style.height = 'auto';
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`;
  }

  ui.form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
  ui.input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  });
  ui.input.addEventListener('input', () => { autosize(); if (!ui.error.hidden) showError(''); });
  // In the widget, opening the panel focuses this frame: typing goes to the message box, not the page.
  if (EMBED) window.addEventListener('focus', () => { if (document.activeElement === document.body && !ui.form.hidden) ui.input.focus(); });
  ui.handoff.addEventListener('click', requestHandoff);
  ui.newConv.addEventListener('click', () => {
    // A fresh, empty chat; the conversation itself is created with the first message.
    showError('');
    resetConversation();
    ui.input.focus();
  });

  // The widget's tag may set a title and a colour (passed in the iframe's URL).
  if (EMBED) {
    const params = new URLSearchParams(location.search);
    const title = (params.get('title') || '').trim().slice(0, 60);
    if (title) { $('chat-title').textContent = title; document.title = title; }
    const color = params.get('color') || '';
    if (/^#[0-9a-fA-F]{3,8}$/.test(color)) {
      const root = document.documentElement.style;
      root.setProperty('--primary', color);
      root.setProperty('--primary-strong', color); // not our blue on hover
      // the loader chose dark text for a light colour (widget.js, inkOn), for the launcher and here
      if (params.get('ink') === 'dark') root.setProperty('--on-primary', '#111827');
    }
    const close = $('chat-close');
    close.hidden = false;
    close.addEventListener('click', () => window.SwitchboardEmbed.close());
    document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && !ev.defaultPrevented) window.SwitchboardEmbed.close(); });
  }

  restored = boot();
})();
