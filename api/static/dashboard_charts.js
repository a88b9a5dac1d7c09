// Day-by-day charts for the admins' dashboard, drawn as inline SVG: no chart library, nothing
// loaded from elsewhere, no style attributes (colours come from app.css classes), text only as text.
(() => {
  'use strict';

  const NS = 'http://www.w3.org/2000/svg';
  const W = 600, H = 170, LEFT = 58, RIGHT = 8, TOP = 12, BOTTOM = 24;
  const { h } = window.SwitchboardDOM;

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
    return el;
  }

  const dayLabel = (iso) => new Date(`${iso}T00:00:00Z`).toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const known = (v) => v !== null && v !== undefined && !Number.isNaN(v);

  // The frame every chart shares: x is one slot per day, y runs from 0 to `top`.
  function frame(days, top, format) {
    const slot = (W - LEFT - RIGHT) / Math.max(1, days.length);
    const x = (i) => LEFT + slot * i;
    const y = (v) => TOP + (H - TOP - BOTTOM) * (1 - (top ? Math.min(v, top) / top : 0));
    const every = Math.max(1, Math.ceil(days.length / 7));
    const axis = [
      svg('line', { class: 'dash-chart__grid', x1: LEFT, x2: W - RIGHT, y1: y(top), y2: y(top) }),
      svg('line', { class: 'dash-chart__axis', x1: LEFT, x2: W - RIGHT, y1: y(0), y2: y(0) }),
      svg('text', { class: 'dash-chart__tick', x: LEFT - 4, y: y(top) + 4, 'text-anchor': 'end' }, format(top)),
      svg('text', { class: 'dash-chart__tick', x: LEFT - 4, y: y(0) + 4, 'text-anchor': 'end' }, format(0)),
      days.map((d, i) => ((days.length - 1 - i) % every === 0 // counted back from the last day, today
        ? svg('text', { class: 'dash-chart__tick', x: x(i) + slot / 2, y: H - 6, 'text-anchor': 'middle' }, dayLabel(d))
        : null)),
    ];
    return { slot, x, y, axis };
  }

  function figure(title, testid, chart, legend) {
    return h('figure', { className: 'dash-chart', 'data-testid': testid },
      h('figcaption', { className: 'dash-chart__title', textContent: title }),
      chart,
      legend && legend.length ? h('p', { className: 'dash-chart__legend' }, legend.map(([name, cls]) => h('span', { className: `dash-chart__key ${cls}`, textContent: name }))) : null);
  }

  // One bar per day: `value`, with the `part` of it drawn darker (e.g. the conversations handed off).
  // points: [{day, value, part?, text}]; `top` (optional) fixes the scale, e.g. 1 for a share.
  function barChart({ title, testid, points, format = String, top = null, partName = null, valueName = null }) {
    const days = points.map((p) => p.day);
    const scale = top || Math.max(1, ...points.map((p) => p.value || 0));
    const f = frame(days, scale, format);
    const bars = points.map((p, i) => {
      const v = known(p.value) ? p.value : 0;
      const width = Math.max(1, f.slot * 0.7), left = f.x(i) + (f.slot - width) / 2;
      return svg('g', { 'data-testid': 'chart-day', 'data-date': p.day },
        svg('rect', { class: 'dash-chart__bar', 'data-testid': 'chart-bar', 'data-value': known(p.value) ? p.value : '', x: left, width, y: f.y(v), height: f.y(0) - f.y(v) },
          svg('title', {}, p.text)),
        known(p.part) && p.part > 0
          ? svg('rect', { class: 'dash-chart__bar dash-chart__bar--part', x: left, width, y: f.y(p.part), height: f.y(0) - f.y(p.part) }, svg('title', {}, p.text))
          : null);
    });
    const chart = svg('svg', { class: 'dash-chart__svg', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title }, f.axis, bars);
    const legend = partName ? [[valueName || title, 'dash-chart__key--bar'], [partName, 'dash-chart__key--part']] : null;
    return figure(title, testid, chart, legend);
  }

  // Lines over the days; a day without a value breaks its line. series: [{name, values}]
  function lineChart({ title, testid, days, series, format = String, top = null }) {
    const all = series.flatMap((s) => s.values.filter(known));
    const f = frame(days, top || Math.max(1, ...all), format);
    const lines = series.map((s, n) => {
      const cls = `dash-chart__line--${n}`;
      const runs = [[]];
      s.values.forEach((v, i) => {
        if (known(v)) runs[runs.length - 1].push([f.x(i) + f.slot / 2, f.y(v), v, days[i]]);
        else if (runs[runs.length - 1].length) runs.push([]);
      });
      return svg('g', { 'data-testid': 'chart-line', 'data-series': s.name },
        runs.filter((r) => r.length > 1).map((r) => svg('polyline', { class: `dash-chart__line ${cls}`, points: r.map(([px, py]) => `${px},${py}`).join(' ') })),
        runs.flat().map(([px, py, v, d]) => svg('circle', { class: `dash-chart__dot ${cls}`, cx: px, cy: py, r: 3 },
          svg('title', {}, `${dayLabel(d)} · ${s.name}: ${format(v)}`))));
    });
    const chart = svg('svg', { class: 'dash-chart__svg', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title }, f.axis, lines);
    return figure(title, testid, chart, series.map((s, n) => [s.name, `dash-chart__key--${n}`]));
  }

  // A row's small bars (e.g. an agent's peak of chats each day), on a shared scale.
  function sparkBars(values, top, label) {
    const width = 8 * values.length, height = 24, scale = Math.max(1, top);
    return svg('svg', { class: 'dash-spark', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label },
      values.map((v, i) => svg('rect', { class: 'dash-chart__bar', x: i * 8 + 1, width: 6, y: height - (height * v) / scale, height: (height * v) / scale },
        svg('title', {}, String(v)))));
  }

  window.SwitchboardCharts = { barChart, lineChart, sparkBars, dayLabel };
})();
