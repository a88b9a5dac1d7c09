// "Propose as article" beside an agent's correction: the correction (editable, with an optional
// title; the customer's question by default) becomes a knowledge-base draft that editors export
// with `switchboard kb drafts export DIR`, review and verify. Plain JS.
(() => {
  'use strict';

  const { h } = window.SwitchboardDOM;

  const proposedTag = () => h('span', { className: 'tag', 'data-testid': 'kb-draft-proposed', textContent: 'proposed as article' });

  // api: the console's request(method, path, body); messagePath(m): the open conversation's message URL.
  function create({ api, messagePath }) {
    function toggleForm(li, m, button) {
      const existing = li.querySelector('.kb-draft-form');
      if (existing) { existing.remove(); return; }
      const title = h('input', {
        type: 'text', className: 'input', maxLength: 200, placeholder: "Title (default: the customer's question)",
        'data-testid': 'kb-draft-title', 'aria-label': 'Article title',
      });
      const body = h('textarea', {
        className: 'composer__input', rows: 4, maxLength: 20000, value: m.text,
        'data-testid': 'kb-draft-body', 'aria-label': 'Article text (Markdown)',
      });
      const error = h('p', { className: 'field-error', role: 'alert', hidden: true, 'data-testid': 'kb-draft-error' });
      const submit = h('button', { type: 'submit', className: 'btn btn--primary btn--small', 'data-testid': 'kb-draft-submit', textContent: 'Propose' });
      const form = h('form', { className: 'flag-form kb-draft-form', 'data-testid': 'kb-draft-form' },
        h('label', { className: 'field-label', textContent: 'Propose as a knowledge-base article (an editor reviews it first)' }),
        title, body, error,
        h('div', { className: 'correct-form__buttons' }, submit,
          h('button', { type: 'button', className: 'btn btn--secondary btn--small', textContent: 'Cancel', onclick: () => form.remove() })));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        submit.disabled = true; error.hidden = true;
        const sent = { body: body.value };
        if (title.value.trim()) sent.title = title.value;
        try {
          await api('POST', `${messagePath(m)}/kb-draft`, sent);
          form.remove();
          button.replaceWith(proposedTag());
        } catch (e) {
          error.textContent = e.message; error.hidden = false; submit.disabled = false;
        }
      });
      li.append(form);
      title.focus();
    }

    // The transcript's messageActions hook: only an agent's correction gets the button.
    function addButton(li, m) {
      if (m.role !== 'agent' || m.corrects === null || m.corrects === undefined) return;
      const button = h('button', {
        type: 'button', className: 'btn btn--link btn--small', 'data-testid': 'propose-article', textContent: 'Propose as article',
      });
      button.addEventListener('click', () => toggleForm(li, m, button));
      li.append(h('div', { className: 'msg__actions' }, m.kb_draft_id ? proposedTag() : button));
    }

    return { addButton };
  }

  window.SwitchboardKbDraft = { create };
})();
