// The admins' dashboard in the console: the service's figures (GET /v1/admin/metrics) as numbers
// and bars. Plain JS, no dependencies, no chart library: bars are widths.
(() => {
  'use strict';

  const { h } = window.SwitchboardDOM;
  const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);
  const secs = (x) => (x === null || x === undefined ? '—' : x < 90 ? `${Math.round(x)} s` : `${(x / 60).toFixed(1)} min`);

  function tile(label, value, testid) {
    return h('div', { className: 'dash-tile', 'data-testid': testid },
      h('span', { className: 'dash-tile__value', textContent: value }), h('span', { className: 'dash-tile__label', textContent: label }));
  }

  function bars(title, rows, testid) { // rows: [{label, value, max, text}]
    return h('section', { className: 'dash-bars', 'data-testid': testid, 'aria-label': title },
      h('h3', { className: 'dash-bars__title', textContent: title }),
      rows.length ? rows.map((r) => h('div', { className: 'dash-bar', 'data-label': r.label },
        h('span', { className: 'dash-bar__label', textContent: r.label }),
        h('span', { className: 'dash-bar__track' },
          h('span', { className: 'dash-bar__fill', style: `width:${r.max ? Math.round((100 * r.value) / r.max) : 0}%` })),
        h('span', { className: 'dash-bar__text', textContent: r.text })))
        : h('p', { className: 'dash-bars__empty', textContent: 'Nothing yet.' }));
  }

  function render(container, m, maxChats) {
    const reasons = Object.entries(m.handoffs_by_reason || {});
    const most = Math.max(1, ...reasons.map(([, n]) => n));
    container.replaceChildren(
      h('h2', { className: 'dash__title', textContent: 'Last 7 days' }),
      h('div', { className: 'dash-tiles' },
        tile('conversations', String(m.conversations), 'dash-conversations'),
        tile('handed to a person', pct(m.handoff_rate), 'dash-handoff-rate'),
        tile('answered by the bot alone', String(m.answered_by_bot_alone), 'dash-bot-alone'),
        tile('first response, median', secs(m.first_response.median), 'dash-frt'),
        tile('agent first response, median', secs(m.agent_first_response.median), 'dash-agent-frt'),
        tile(`CSAT (${m.satisfaction.ratings} ratings)`, pct(m.satisfaction.csat), 'dash-csat'),
        tile('waiting now', String(m.queue_waiting), 'dash-queue'),
        tile('longest wait now', secs(m.queue_longest_wait), 'dash-longest-wait')),
      bars('Why conversations went to a person', reasons.map(([reason, n]) => ({
        label: reason.replace(/_/g, ' '), value: n, max: most, text: String(n),
      })), 'dash-reasons'),
      bars('Agents: open chats now', (m.agents || []).map((a) => ({
        label: `${a.name} (${a.presence})`, value: a.open_chats, max: maxChats,
        text: `${a.open_chats}/${maxChats} · ${a.handled} handled · CSAT ${pct(a.satisfaction.csat)}`,
      })), 'dash-agents'));
  }

  window.SwitchboardDashboard = { render };
})();
