// The console's HTTP client: JSON in and out, the session's CSRF token on every change, and the one
// place that notices a session ended (401) or was replaced by a newer one in another tab (403 CSRF).
// The agent's token is sent once, to open a session, and then forgotten: the session lives in an
// HttpOnly cookie the page cannot read, and only its CSRF token is kept, here, in memory.
(() => {
  'use strict';

  class ApiError extends Error { constructor(status, message) { super(message); this.status = status; } }

  function detailText(data, status) {
    const d = data && data.detail;
    if (Array.isArray(d) && d.length) return d.map((x) => (x && x.msg) || String(x)).join('; ');
    return typeof d === 'string' && d ? d : `Request failed (${status}).`;
  }

  // session: {me, csrf, epoch}; epoch is bumped on every sign-in and sign-out, so stale 401s are ignored.
  function create({ onUnauthorized }) {
    const session = { me: null, csrf: null, epoch: 0 };

    async function request(method, path, body, retried = false) {
      const sent = session.epoch;
      const headers = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
      const res = await fetch(path, {
        method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
      }).catch(() => { throw new ApiError(0, 'Could not reach the server.'); });
      const data = res.status === 204 ? null : await res.json().catch(() => null);
      // A 401 anywhere ends the session (expired, signed out elsewhere, or the agent was revoked).
      if (res.status === 401 && session.me && session.epoch === sent) onUnauthorized();
      // Signed in again in another tab: the cookie now holds a newer session. Take its CSRF token, retry once.
      if (res.status === 403 && session.csrf && !retried && /X-CSRF-Token/.test(detailText(data, res.status))) {
        const current = await request('GET', '/v1/agent/session');
        if (session.epoch === sent) {
          session.me = current.agent;
          session.csrf = current.csrf_token;
          return request(method, path, body, true);
        }
      }
      if (!res.ok) throw new ApiError(res.status, detailText(data, res.status));
      return data;
    }

    return { session, request };
  }

  window.SwitchboardAgentApi = { create, ApiError };
})();
