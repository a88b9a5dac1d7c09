// The admins' dashboard in the console: the service's figures (GET /v1/admin/metrics) as numbers
// and bars, then the last 14 days day by day (GET /v1/admin/metrics/daily) as charts
// (dashboard_charts.js). Plain JS, no dependencies, no chart library.
(() => {
  'use strict';

  const { h } = window.SwitchboardDOM;
  const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);
  // under 10 s to a tenth, so a bot's 0.07 s reads "0.1 s", not "0 s"
  const secs = (x) => (x === null || x === undefined ? '—' : x < 10 ? `${Math.max(0.1, Math.round(x * 10) / 10)} s`
    : x < 90 ? `${Math.round(x)} s` : `${(x / 60).toFixed(1)} min`);
  const ratings = (n) => `${n} rating${n === 1 ? '' : 's'}`;

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

  const DAYS = 14;
  let drawn = 0; // a newer render wins over a slower, older answer

  async function fetchDaily() { // a GET needs only the session cookie, not the CSRF token
    const res = await fetch(`/v1/admin/metrics/daily?days=${DAYS}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && typeof data.detail === 'string' && data.detail) || `Request failed (${res.status}).`);
    return data;
  }

  function agentPeaks(agents) {
    const top = Math.max(1, ...agents.flatMap((a) => a.days.map((d) => d.peak_concurrent)));
    const { sparkBars } = window.SwitchboardCharts;
    return h('section', { className: 'dash-bars', 'data-testid': 'dash-agent-peaks', 'aria-label': 'Agents day by day' },
      h('h3', { className: 'dash-bars__title', textContent: 'Agents: most chats at once, each day' }),
      agents.length ? h('table', { className: 'dash-table' },
        h('thead', {}, h('tr', {}, ['agent', 'peak per day', 'most at once', 'handled', 'CSAT'].map((t) => h('th', { textContent: t })))),
        h('tbody', {}, agents.map((a) => {
          const rated = a.days.reduce((n, d) => n + d.ratings, 0);
          const happy = a.days.reduce((n, d) => n + (d.csat || 0) * d.ratings, 0);
          const peaks = a.days.map((d) => d.peak_concurrent);
          return h('tr', { 'data-testid': 'dash-agent-peak', 'data-agent': a.name },
            h('td', { textContent: a.name }),
            h('td', {}, sparkBars(peaks, top, `${a.name}: most chats at once, each day`)),
            h('td', { className: 'dash-table__num', 'data-testid': 'dash-agent-peak-max', textContent: String(Math.max(0, ...peaks)) }),
            h('td', { className: 'dash-table__num', textContent: String(a.days.reduce((n, d) => n + d.handled, 0)) }),
            h('td', { className: 'dash-table__num', textContent: rated ? pct(happy / rated) : '—' }));
        })))
        : h('p', { className: 'dash-bars__empty', textContent: 'Nothing yet.' }));
  }

  function renderDaily(section, d) {
    const { barChart, lineChart, dayLabel } = window.SwitchboardCharts;
    const days = d.days.map((x) => x.date);
    const col = (key) => d.days.map((x) => x[key]);
    section.replaceChildren(
      h('h2', { className: 'dash__title', textContent: `Last ${days.length} days, day by day (UTC)` }),
      barChart({
        title: 'Conversations per day', testid: 'dash-chart-volume', valueName: 'conversations', partName: 'handed to a person',
        points: d.days.map((x) => ({
          day: x.date, value: x.conversations, part: x.handed_off,
          text: `${dayLabel(x.date)}: ${x.conversations} conversations, ${x.handed_off} handed to a person (${pct(x.handoff_rate)})`,
        })),
      }),
      lineChart({
        title: 'Median waits: first responses and time in queue', testid: 'dash-chart-times', days, format: secs,
        series: [
          { name: 'bot first response', values: col('bot_first_response') },
          { name: 'time in queue', values: col('time_in_queue') },
          { name: 'human first response', values: col('human_first_response') },
        ],
      }),
      barChart({
        title: 'Median handle time (a person held the chat)', testid: 'dash-chart-handle', format: secs,
        points: d.days.map((x) => ({ day: x.date, value: x.handle_time, text: `${dayLabel(x.date)}: median handle time ${secs(x.handle_time)}` })),
      }),
      lineChart({
        title: 'Shares of the day\'s conversations', testid: 'dash-chart-rates', days, format: pct, top: 1,
        series: [
          { name: 'handed to a person', values: col('handoff_rate') },
          { name: 'resolved by the bot', values: col('bot_resolution_rate') },
          { name: 'reopened (of those given back to the bot)', values: col('reopen_rate') },
        ],
      }),
      barChart({
        title: 'CSAT per day (share of 4 and 5 ratings)', testid: 'dash-chart-csat', format: pct, top: 1,
        points: d.days.map((x) => ({ day: x.date, value: x.csat, text: `${dayLabel(x.date)}: CSAT ${pct(x.csat)} of ${ratings(x.ratings)}` })),
      }),
      agentPeaks(d.agents || []));
  }

  async function loadDaily(section, turn) {
    try {
      section.setAttribute('aria-busy', 'true');
      const daily = await fetchDaily();
      if (turn === drawn) renderDaily(section, daily);
    } catch (e) {
      if (turn === drawn) section.replaceChildren(h('p', { className: 'dash-bars__empty', textContent: `Day-by-day figures unavailable: ${e.message}` }));
    }
    section.removeAttribute('aria-busy');
  }

  function render(container, m, maxChats) {
    const reasons = Object.entries(m.handoffs_by_reason || {});
    const most = Math.max(1, ...reasons.map(([, n]) => n));
    const daily = h('section', { className: 'dash-daily', 'data-testid': 'dash-daily' },
      h('p', { className: 'dash-bars__empty', textContent: 'Loading the day-by-day figures…' }));
    drawn += 1;
    container.replaceChildren(
      h('h2', { className: 'dash__title', textContent: 'Last 7 days' }),
      h('div', { className: 'dash-tiles' },
        tile('conversations', String(m.conversations), 'dash-conversations'),
        tile('handed to a person', pct(m.handoff_rate), 'dash-handoff-rate'),
        tile('taken over from the bot', String(m.taken_over || 0), 'dash-taken-over'),
        tile('answered by the bot alone', String(m.answered_by_bot_alone), 'dash-bot-alone'),
        tile('first response, median', secs(m.first_response.median), 'dash-frt'),
        tile('agent first response, median', secs(m.agent_first_response.median), 'dash-agent-frt'),
        tile(`CSAT (${ratings(m.satisfaction.ratings)})`, pct(m.satisfaction.csat), 'dash-csat'),
        tile('waiting now', String(m.queue_waiting), 'dash-queue'),
        tile('longest wait now', secs(m.queue_longest_wait), 'dash-longest-wait')),
      bars('Why conversations went to a person', reasons.map(([reason, n]) => ({
        label: reason.replace(/_/g, ' '), value: n, max: most, text: String(n),
      })), 'dash-reasons'),
      bars('Agents: open chats now', (m.agents || []).map((a) => ({
        label: `${a.name} (${a.presence})`, value: a.open_chats, max: maxChats,
        text: `${a.open_chats}/${maxChats} · ${a.handled} handled · CSAT ${pct(a.satisfaction.csat)}`,
      })), 'dash-agents'),
      daily);
    loadDaily(daily, drawn);
  }

  window.SwitchboardDashboard = { render };
})();
