// The customer's rating of a closed conversation: 1-5 and an optional comment. Plain JS.
(() => {
  'use strict';

  // `send(score, comment)` stores the rating (rejects with an Error whose message is shown).
  function attach(form, send) {
    const $ = (sel) => form.querySelector(sel);
    const submit = $('[data-testid="rating-submit"]'), thanks = $('[data-testid="rating-thanks"]');
    const error = $('[data-testid="rating-error"]'), comment = $('textarea');

    const chosen = () => { const r = form.querySelector('input[name="score"]:checked'); return r ? Number(r.value) : null; };
    form.addEventListener('change', () => { submit.disabled = chosen() === null; });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const score = chosen();
      if (score === null) return;
      submit.disabled = true; error.hidden = true;
      try {
        await send(score, comment.value.trim() || null);
        thanks.hidden = false;
        form.querySelectorAll('input, textarea').forEach((el) => { el.disabled = true; });
        submit.hidden = true;
      } catch (e) {
        error.textContent = e.message; error.hidden = false; submit.disabled = false;
      }
    });

    function reset() {
      form.reset();
      form.querySelectorAll('input, textarea').forEach((el) => { el.disabled = false; });
      submit.hidden = false; submit.disabled = true; thanks.hidden = true; error.hidden = true;
    }
    reset();
    return { reset };
  }

  window.SwitchboardRating = { attach };
})();
