// The console's inline forms on a bot reply: "Correct" (the customer sees the correction beside the
// original) and "Flag bad answer" (a note for the editors). Each toggles open and closed in place.
(() => {
  'use strict';

  const { h } = window.SwitchboardDOM;

  // api: the console's request(method, path, body); messagePath(m): the open conversation's message URL.
  function create({ api, messagePath, template, onCorrected, onFlagged }) {
    // The correction form is cloned from a <template> in agent.html.
    function toggleCorrect(li, m) {
      const existing = li.querySelector('.correct-form');
      if (existing) { existing.remove(); return; }
      const form = template.content.firstElementChild.cloneNode(true);
      const part = (name) => form.querySelector(`[data-testid="${name}"]`);
      const [input, error, submit] = ['correct-input', 'correct-error', 'correct-submit'].map(part);
      input.id = form.querySelector('label').htmlFor = `correct-input-${m.id}`;
      part('correct-cancel').addEventListener('click', () => form.remove());
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        submit.disabled = error.hidden = true;
        try {
          const correction = await api('POST', `${messagePath(m)}/correct`, { text: input.value });
          form.remove();
          onCorrected(correction);
        } catch (e) {
          error.textContent = e.message;
          error.hidden = submit.disabled = false;
        }
      });
      li.append(form);
      input.focus();
    }

    function toggleFlag(li, m) {
      const existing = li.querySelector('.flag-form');
      if (existing) { existing.remove(); return; }
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
          await api('POST', `${messagePath(m)}/flag`, { note: note.value.trim() || null });
          form.remove();
          onFlagged(li);
        } catch (e) { error.textContent = e.message; error.hidden = false; }
      });
      li.append(form);
      note.focus();
    }

    return { toggleCorrect, toggleFlag };
  }

  window.SwitchboardMessageForms = { create };
})();
