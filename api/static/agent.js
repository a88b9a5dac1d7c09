// Switchboard agent console. Plain JS, no dependencies.
(() => {
  'use strict';

  // The agent's token is sent once, to open a session, and then forgotten: the session lives in an
  // HttpOnly cookie the page cannot read, and only its CSRF token is kept, in memory.
  const SESSION_ENDED = 'Your session has ended. Please sign in again.';
  const EVENT_TYPES = ['message.created', 'message.corrected', 'handoff.requested',
    'conversation.claimed', 'conversation.released', 'conversation.closed', 'payment.requested', 'payment.received', 'message.delta'];
  const $ = (id) => document.getElementById(id);
  const ui = {
    session: $('topbar-session'), sse: $('sse-status'), name: $('agent-name'), logout: $('logout'),
    loginView: $('login-view'), loginForm: $('login-form'), token: $('agent-token'),
    loginBtn: $('agent-login'), loginError: $('login-error'), console: $('console'),
    queue: $('queue'), live: $('live'), queueCount: $('queue-count'), liveCount: $('live-count'),
    empty: $('conversation-empty'), pane: $('conversation'), title: $('conversation-title'),
    state: $('conversation-state'), owner: $('conversation-agent'), reason: $('conversation-reason'),
    claim: $('claim-button'), release: $('release-button'), close: $('close-button'),
    payment: $('payment-button'), paymentStatus: $('payment-status'), presence: $('agent-presence'),
    dashboardButton: $('dashboard-button'), dashboard: $('dashboard'),
    actionError: $('action-error'), scroll: $('conversation-scroll'), list: $('conversation-messages'),
    replyForm: $('reply-form'), input: $('agent-input'), send: $('agent-send'), load: $('agent-load'),
  };

  let me = null, csrf = null;         // the signed-in agent {id, name, role} and the session's CSRF token
  let maxChats = null;                // the most conversations this agent may hold at once
  let epoch = 0;                      // bumped on every sign-in and sign-out: stale 401s are ignored
  let stream = null;                  // the live event stream (SwitchboardSSE)
  let openId = null, openConv = null; // conversation shown in the pane, and its latest state
  let busy = false;                   // an action or reply is in flight
  let openSeq = 0;                    // drops out-of-order detail responses

  // ---------- helpers ----------
  class ApiError extends Error { constructor(status, message) { super(message); this.status = status; } }

  function detailText(data, status) {
    const d = data && data.detail;
    if (Array.isArray(d) && d.length) return d.map((x) => (x && x.msg) || String(x)).join('; ');
    return typeof d === 'string' && d ? d : `Request failed (${status}).`;
  }

  async function api(method, path, body, retried = false) {
    const sent = epoch;
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    const res = await fetch(path, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    }).catch(() => { throw new ApiError(0, 'Could not reach the server.'); });
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    // A 401 anywhere ends the session (expired, signed out elsewhere, or the agent was revoked).
    if (res.status === 401 && me && epoch === sent) sessionEnded();
    // Signed in again in another tab: the cookie now holds a newer session. Take its CSRF token, retry once.
    if (res.status === 403 && csrf && !retried && /X-CSRF-Token/.test(detailText(data, res.status))) {
      const current = await api('GET', '/v1/agent/session');
      if (epoch === sent) { me = current.agent; csrf = current.csrf_token; return api(method, path, body, true); }
    }
    if (!res.ok) throw new ApiError(res.status, detailText(data, res.status));
    return data;
  }

  const { h, safeUrl } = window.SwitchboardDOM;
  const { waited } = window.SwitchboardWorkspace;

  function formatTime(iso) {
    const d = new Date(iso), opts = { hour: '2-digit', minute: '2-digit' };
    if (d.toDateString() !== new Date().toDateString()) Object.assign(opts, { month: 'short', day: 'numeric' });
    return isNaN(d) ? '' : d.toLocaleString([], opts);
  }

  const debounce = (fn, ms) => { let t; return () => { clearTimeout(t); t = setTimeout(fn, ms); }; };

  const convPath = (id) => `/v1/agent/conversations/${encodeURIComponent(id)}`;
  const isMine = (c) => !!(c && c.agent && me && String(c.agent.id) === String(me.id));
  const authorOf = (m) => ({ customer: 'Customer', bot: 'Assistant', system: 'System' }[m.role] || m.author || 'Agent');
  const showActionError = (text) => { ui.actionError.textContent = text || ''; ui.actionError.hidden = !text; };

  // ---------- session ----------
  function signedIn(session) {
    epoch += 1;
    me = session.agent;
    csrf = session.csrf_token;
    maxChats = session.max_chats;
    ui.presence.value = session.presence || 'online';
    ui.dashboardButton.hidden = me.role !== 'admin';
    startConsole();
  }

  async function login(candidate) {
    ui.loginBtn.disabled = true;
    try {
      signedIn(await api('POST', '/v1/agent/session', { token: candidate }));
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
    const sent = epoch;
    try { await api('DELETE', '/v1/agent/session'); } catch (_) { /* the session is gone either way */ }
    if (epoch === sent) logout();
  }

  function logout(message) {
    epoch += 1;
    me = csrf = null;
    disconnect();
    closePane();
    ui.queue.replaceChildren();
    ui.live.replaceChildren();
    showLogin(message);
  }

  function startConsole() {
    ui.name.textContent = me.name || 'Agent';
    ui.loginView.hidden = ui.loginError.hidden = true;
    ui.session.hidden = ui.console.hidden = false;
    connect();
    refreshLists();
    const fromHash = decodeURIComponent(location.hash.slice(1)) || tabs.ids().slice(-1)[0];
    if (fromHash) openConversation(fromHash);
  }

  // ---------- conversation lists ----------
  async function refreshLists() {
    if (!me) return;
    try {
      const [q, l] = await Promise.all([api('GET', '/v1/agent/queue'), api('GET', '/v1/agent/conversations')]);
      renderList(ui.queue, ui.queueCount, q.conversations || [], 'No one is waiting.');
      tabs.setQueue((q.conversations || []).length);
      renderList(ui.live, ui.liveCount, l.conversations || [], 'No open conversations.');
      const mine = (l.conversations || []).filter((c) => c.state === 'agent' && isMine(c)).length;
      ui.load.textContent = `${mine} of ${maxChats} chats`;
      ui.load.dataset.full = String(mine >= maxChats);
    } catch (_) { /* transient; the next event or reconnect refetches */ }
  }
  const scheduleLists = debounce(refreshLists, 200);

  function listItem(c) {
    const last = c.last_message;
    const btn = h('button', {
      type: 'button', className: 'conv-item', 'data-testid': 'conversation-item',
      'data-conversation-id': c.id, 'data-state': c.state, 'aria-current': String(c.id) === openId && 'true',
    },
    h('span', { className: 'conv-item__top' },
      h('span', { className: `badge badge--${c.state}`, 'data-testid': 'state-badge', textContent: c.state }),
      c.agent && h('span', { className: 'conv-item__agent', 'data-testid': 'item-agent' },
        c.agent.name, isMine(c) ? ' (you)' : ''),
      h('time', { className: 'conv-item__time', datetime: c.updated_at, textContent: formatTime(c.updated_at) })),
    c.state === 'queued' && h('span', { className: 'conv-item__wait', 'data-testid': 'item-wait' }, `waiting ${waited(c.updated_at)}`),
    c.handoff_reason && h('span', {
      className: 'conv-item__reason', 'data-testid': 'handoff-reason', 'data-reason': c.handoff_reason || '',
      textContent: reasonLabel(c.handoff_reason),
      title: c.handoff_detail || '',
    }),
    h('span', { className: 'conv-item__snippet', 'data-testid': 'last-message' },
      last ? `${authorOf(last)}: ${last.text}` : 'No messages yet'));
    btn.addEventListener('click', () => openConversation(String(c.id)));
    return h('li', {}, btn);
  }

  function renderList(ul, countEl, convs, emptyText) {
    const active = ul.contains(document.activeElement) ? document.activeElement.dataset.conversationId : null;
    countEl.textContent = String(convs.length);
    ul.replaceChildren(...(convs.length ? convs.map(listItem)
      : [h('li', { className: 'conv-list__empty', textContent: emptyText })]));
    const again = active && ul.querySelector(`[data-conversation-id="${CSS.escape(active)}"]`);
    if (again) again.focus(); // keep keyboard focus across re-renders
  }

  // ---------- open conversation ----------
  async function openConversation(id) {
    const seq = ++openSeq;
    tabs.open(id);
    if (id !== openId) {
      openId = id;
      openConv = null;
      ui.list.replaceChildren();
      ui.input.value = '';
      showActionError('');
      updateControls();
      if (matchMedia('(max-width: 800px)').matches) ui.pane.scrollIntoView();
    }
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
    document.querySelectorAll('.conv-item').forEach((b) => {
      if (b.dataset.conversationId === id) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
    });
    ui.empty.hidden = !(ui.pane.hidden = false);
    try {
      const c = await api('GET', convPath(id));
      if (seq !== openSeq || id !== openId) return;
      renderHeader(c);
      (c.messages || []).forEach(renderMessage);
      const said = (c.messages || []).filter((m) => m.role === 'customer');
      const last = (c.messages || []).slice(-1)[0];
      tabs.update(id, {
        label: said.length ? said[0].text.slice(0, 18) : `#${id.slice(0, 6)}`,
        waitingSince: last && last.role === 'customer' ? last.created_at : null,
      });
    } catch (e) {
      if (seq === openSeq && me) showActionError(e.message);
    }
  }
  const refreshOpen = debounce(() => { if (openId) openConversation(openId); }, 200);

  const tabs = window.SwitchboardWorkspace.create($('chat-tabs'), {
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
    ui.owner.textContent = c.agent ? `Handled by ${isMine(c) ? 'you' : c.agent.name}` : '';
    ui.reason.textContent = c.handoff_reason
      ? `Reason: ${reasonLabel(c.handoff_reason)}${c.handoff_detail ? ` — ${c.handoff_detail}` : ''}` : '';
    ui.paymentStatus.textContent = c.payment_request ? 'Waiting for the customer\'s card (secure form)…' : '';
    ui.pane.dataset.state = c.state;
    updateControls();
  }

  function updateControls() {
    const c = openConv, closed = !c || c.state === 'closed';
    ui.claim.disabled = busy || closed || (c.state === 'agent' && isMine(c));
    ui.release.disabled = busy || closed || c.state === 'bot';
    ui.close.disabled = ui.send.disabled = busy || closed;
    ui.payment.disabled = busy || closed || !(c.state === 'agent' && isMine(c));
    ui.input.disabled = closed;
  }

  // ---------- transcript ----------
  const findMessage = (id) => ui.list.querySelector(`[data-message-id="${CSS.escape(String(id))}"]`);
  const markCorrected = (el) => { el.classList.add('msg--corrected'); el.dataset.corrected = 'true'; };

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

  const REASONS = {
    customer_request: 'customer asked for a person', low_confidence: 'low confidence',
    repeated_low_confidence: 'two doubtful answers in a row', escalation: 'escalation rule',
    assistant_unavailable: 'assistant unavailable',
  };
  const reasonLabel = (reason) => REASONS[reason] || reason;

  // Agents only: why the bot's confidence is what it is; the signals that pulled it down first.
  function renderSignals(m) {
    if (!m.signals && !m.handoff_detail) return null;
    const low = new Set(m.low_signals || []);
    const names = Object.keys(m.signals || {}).sort((a, b) => (low.has(b) - low.has(a)));
    return h('details', { className: 'msg__why', 'data-testid': 'signals' },
      h('summary', { textContent: low.size ? `Why: low ${[...low].join(', ')}` : 'Why this score' }),
      m.handoff_detail && h('p', { className: 'msg__detail', 'data-testid': 'handoff-detail', textContent: m.handoff_detail }),
      names.length > 0 && h('ul', { className: 'msg__signals' }, names.map((n) => h('li', {
        className: low.has(n) ? 'signal signal--low' : 'signal', 'data-signal': n,
        textContent: `${n.replace(/_/g, ' ')}: ${Number(m.signals[n]).toFixed(2)}`,
      }))));
  }

  function buildMessage(m) {
    const role = m.role || 'system', isCorrection = m.corrects !== null && m.corrects !== undefined;
    const li = h('li', {
      className: `msg msg--${role}${isCorrection ? ' msg--correction' : ''}`, 'data-testid': 'message',
      'data-role': role, 'data-message-id': m.id, 'data-corrects': isCorrection ? m.corrects : null,
    });
    if (role === 'system') { li.append(h('p', { className: 'msg__system', textContent: m.text })); return li; }
    const c = m.confidence;
    const conf = role === 'bot' && typeof c === 'number' && h('span', {
      className: `confidence confidence--${c < 0.5 ? 'low' : c < 0.75 ? 'mid' : 'high'}`,
      'data-testid': 'confidence', title: 'Assistant confidence', textContent: `${Math.round(c * 100)}%`,
    });
    li.append(
      h('div', { className: 'msg__meta' },
        h('span', {
          className: 'msg__author', 'data-testid': isCorrection ? 'correction-label' : 'message-author',
          textContent: isCorrection ? `Corrected by ${m.author || 'an agent'}` : authorOf(m),
        }),
        conf,
        m.handoff && h('span', { className: 'tag', textContent: 'handoff' }),
        h('time', { className: 'msg__time', datetime: m.created_at, textContent: formatTime(m.created_at) })),
      h('div', { className: 'msg__bubble' },
        h('p', { className: 'msg__text', textContent: m.text }),
        // agents-only: the answer the bot held back on a low-confidence handoff
        m.draft && h('div', { className: 'msg__draft', 'data-testid': 'draft' },
          h('p', {}, h('strong', { textContent: 'Unsent draft: ' }), m.draft),
          h('div', { className: 'msg__draft-actions' },
            h('button', { type: 'button', className: 'btn btn--primary btn--small', 'data-testid': 'send-draft',
              textContent: 'Send draft', onclick: () => sendText(m.draft) }),
            h('button', { type: 'button', className: 'btn btn--secondary btn--small', 'data-testid': 'edit-draft',
              textContent: 'Edit draft', onclick: () => editText(m.draft) }))),
        (role === 'bot' || isCorrection) && renderSources(m.sources),
        role === 'bot' && renderSignals(m)));
    if (role === 'bot' && !isCorrection) {
      const btn = h('button', { type: 'button', className: 'btn btn--link btn--small', 'data-testid': 'correct-button', textContent: 'Correct' });
      btn.addEventListener('click', () => toggleCorrectForm(li, m));
      const flag = m.flagged
        ? h('span', { className: 'tag', 'data-testid': 'flagged', textContent: 'flagged as a bad answer' })
        : h('button', { type: 'button', className: 'btn btn--link btn--small', 'data-testid': 'flag-button',
          textContent: 'Flag bad answer', onclick: () => toggleFlagForm(li, m) });
      li.append(h('div', { className: 'msg__actions' }, btn, flag));
    }
    return li;
  }

  // Insert in id order (de-duplicated); a correction goes directly below the message it corrects.
  function renderMessage(m) {
    if (!m || m.id === undefined || findMessage(m.id)) return;
    const stick = ui.scroll.scrollHeight - ui.scroll.scrollTop - ui.scroll.clientHeight < 80;
    const li = buildMessage(m);
    const original = li.dataset.corrects !== undefined ? findMessage(m.corrects) : null;
    if (original) {
      markCorrected(original);
      let after = original;
      while (after.nextElementSibling && after.nextElementSibling.dataset.corrects === String(m.corrects)) after = after.nextElementSibling;
      after.after(li);
    } else {
      const next = [...ui.list.children].find((c) => c.dataset.corrects === undefined && Number(c.dataset.messageId) > m.id);
      ui.list.insertBefore(li, next || null);
      // Corrections that arrived before their original move below it now.
      [...ui.list.querySelectorAll(`[data-corrects="${CSS.escape(String(m.id))}"]`)].reverse()
        .forEach((c) => { markCorrected(li); li.after(c); });
    }
    if (stick) ui.scroll.scrollTop = ui.scroll.scrollHeight;
  }

  // The inline correction form is cloned from a <template> in agent.html.
  function toggleCorrectForm(li, m) {
    const existing = li.querySelector('.correct-form');
    if (existing) return existing.remove();
    const form = $('correct-template').content.firstElementChild.cloneNode(true);
    const part = (name) => form.querySelector(`[data-testid="${name}"]`);
    const [input, error, submit] = ['correct-input', 'correct-error', 'correct-submit'].map(part);
    input.id = form.querySelector('label').htmlFor = `correct-input-${m.id}`;
    part('correct-cancel').addEventListener('click', () => form.remove());
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      submit.disabled = error.hidden = true;
      try {
        const msg = await api('POST', `${convPath(openId)}/messages/${encodeURIComponent(m.id)}/correct`, { text: input.value });
        form.remove();
        renderMessage(msg);
      } catch (e) {
        error.textContent = e.message;
        error.hidden = submit.disabled = false;
      }
    });
    li.append(form);
    input.focus();
  }

  // ---------- actions ----------
  async function runAction(fn) {
    if (busy || !openId) return;
    const id = openId;
    busy = true;
    updateControls();
    showActionError('');
    try {
      const result = await fn(id);
      if (id === openId && result && result.state) renderHeader(result);
      refreshOpen();
      scheduleLists();
    } catch (e) {
      if (id === openId && me) showActionError(e.message);
    }
    busy = false;
    updateControls();
  }

  const post = (suffix) => () => runAction((id) => api('POST', `${convPath(id)}/${suffix}`));
  ui.claim.addEventListener('click', post('claim'));
  ui.release.addEventListener('click', post('release'));
  ui.close.addEventListener('click', post('close'));
  ui.payment.addEventListener('click', () => runAction((id) => api('POST', `${convPath(id)}/payment-requests`, {})));

  // Replying to an unowned conversation takes it over; refreshOpen() picks up the new state.
  const sendText = (text) => runAction(async (id) => {
    const msg = await api('POST', `${convPath(id)}/messages`, { text });
    if (id === openId) { if (ui.input.value === text) ui.input.value = ''; renderMessage(msg); }
  });
  const editText = (text) => { ui.input.value = text; ui.input.focus(); ui.input.setSelectionRange(text.length, text.length); };

  // The bot's unsent draft of this conversation, unless a person has spoken since.
  function pendingDraft() {
    const items = [...ui.list.querySelectorAll('[data-testid="message"]')];
    for (let i = items.length - 1; i >= 0; i -= 1) {
      if (items[i].dataset.role === 'agent') return null;
      const draft = items[i].querySelector('[data-testid="draft"] p');
      if (draft) return draft.textContent.replace(/^Unsent draft: /, '');
    }
    return null;
  }
  // With the composer empty: Enter sends the bot's draft as it is, Arrow-Up puts it in to edit.
  const sendReply = () => {
    const draft = ui.input.value.trim() ? null : pendingDraft();
    if (draft) sendText(draft); else sendText(ui.input.value);
  };

  function toggleFlagForm(li, m) {
    const open = li.querySelector('.flag-form');
    if (open) { open.remove(); return; }
    const note = h('textarea', { className: 'composer__input', rows: 2, maxLength: 2000, placeholder: 'What was wrong? (for the editors)', 'data-testid': 'flag-note' });
    const error = h('p', { className: 'field-error', role: 'alert', hidden: true });
    const form = h('form', { className: 'flag-form', 'data-testid': 'flag-form' },
      h('label', { className: 'field-label', textContent: 'Flag this reply as a bad answer' }), note, error,
      h('div', { className: 'correct-form__buttons' },
        h('button', { type: 'submit', className: 'btn btn--primary btn--small', 'data-testid': 'flag-submit', textContent: 'Flag' }),
        h('button', { type: 'button', className: 'btn btn--secondary btn--small', textContent: 'Cancel', onclick: () => form.remove() })));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', `${convPath(openId)}/messages/${m.id}/flag`, { note: note.value.trim() || null });
        form.remove();
        const button = li.querySelector('[data-testid="flag-button"]');
        if (button) button.replaceWith(h('span', { className: 'tag', 'data-testid': 'flagged', textContent: 'flagged as a bad answer' }));
      } catch (e) { error.textContent = e.message; error.hidden = false; }
    });
    li.append(form);
    note.focus();
  }

  // ---------- live updates (SSE) ----------
  const setSse = (state, text) => { ui.sse.dataset.state = state; ui.sse.textContent = text; };

  // Over fetch (sse.js), so no credential is ever put in the URL; the session cookie goes along.
  function connect() {
    disconnect();
    if (!me) return;
    const sent = epoch;
    setSse('connecting', 'connecting…');
    stream = SwitchboardSSE.open({
      url: '/v1/agent/events',
      onOpen: () => { setSse('live', 'live'); scheduleLists(); refreshOpen(); },
      onError: (status) => {
        if (epoch !== sent) return;
        if (status === 401) { sessionEnded(); return; }
        setSse('reconnecting', 'reconnecting…'); // refused for another reason: check the session, then retry
        setTimeout(() => { if (epoch === sent) api('GET', '/v1/agent/session').then(connect, () => {}); }, 3000);
      },
      onEvent: (type, data) => {
        if (!EVENT_TYPES.includes(type)) return;
        if (type === 'message.delta') { if (String(data.conversation_id) === openId) showWriting(data); return; }
        scheduleLists();
        const said = data.message && data.message.role;
        if (said === 'customer') tabs.customerSaid(String(data.conversation_id), data.message.created_at);
        else if (said === 'agent') tabs.update(String(data.conversation_id), { waitingSince: null });
        if (!openId || String(data.conversation_id) !== openId) return;
        // a bot message carries agent-only fields (draft, signals) that events leave out: fetch it whole
        if (data.message && data.message.role === 'bot') removeWriting();
        if (data.message && data.message.role !== 'bot') renderMessage(data.message); else refreshOpen();
      },
    });
  }

  function disconnect() { if (stream) stream.close(); stream = null; }

  // A reply an LLM is writing: agents watch it grow; the customer sees it only once it is decided.
  function showWriting(d) {
    let li = ui.list.querySelector('[data-testid="writing"]');
    if (!li || li.dataset.replyTo !== String(d.reply_to)) {
      removeWriting();
      li = h('li', { className: 'msg msg--bot msg--writing', 'data-testid': 'writing', 'data-reply-to': d.reply_to },
        h('div', { className: 'msg__meta' }, h('span', { className: 'msg__author', textContent: 'Assistant is writing (not sent yet)' })),
        h('div', { className: 'msg__bubble' }, h('p', { className: 'msg__text', textContent: '' })));
      ui.list.append(li);
    }
    li.querySelector('.msg__text').textContent += d.delta;
    ui.scroll.scrollTop = ui.scroll.scrollHeight;
  }
  function removeWriting() { const li = ui.list.querySelector('[data-testid="writing"]'); if (li) li.remove(); }

  // ---------- wiring ----------
  ui.loginForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = ui.token.value.trim();
    ui.token.value = ''; // the token is not kept anywhere once it is sent
    if (value) login(value); else showLogin('Please enter your access token.');
  });
  ui.logout.addEventListener('click', (ev) => { ev.preventDefault(); signOut(); });
  // Admins: the dashboard takes the place of the conversation pane until pressed again.
  ui.dashboardButton.addEventListener('click', async () => {
    const show = ui.dashboard.hidden;
    ui.dashboardButton.setAttribute('aria-pressed', String(show));
    ui.dashboard.hidden = !show;
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
    if (ev.key === 'ArrowUp' && !ui.input.value) { const draft = pendingDraft(); if (draft) { ev.preventDefault(); editText(draft); } }
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
