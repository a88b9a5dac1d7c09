// The secure card form in the customer's chat. What is typed here goes to the vault's endpoint
// only: never into the transcript, the composer, storage or a URL. Plain JS, no dependencies.
(() => {
  'use strict';

  // What to say about a field the customer left empty or got wrong: named, never echoing the value.
  const ASK = {
    number: 'Enter the card number.', expiry: 'Enter the expiry date (MM/YY).', cvc: 'Enter the security code (CVC).',
  };
  const CHECK = {
    number: 'The card number is not valid: please check it.',
    expiry: 'Enter the expiry date as MM/YY.',
    cvc: 'The security code (CVC) is 3 or 4 digits.',
  };
  const checkCvc = (amex) => (amex ? 'The security code (CVC) is the 4 digits on the front of the card.'
    : 'The security code (CVC) is the 3 digits on the back of the card.');

  // The first thing wrong with the form before it is sent, as [field, message], or null. The number
  // is checked for form only: the server checks the rest (Luhn, expiry in the past).
  function problem({ number, expiry, cvc }) {
    const digits = number.replace(/[\s-]/g, '');
    const amex = /^3[47]\d{13}$/.test(digits); // the vault's own test: 4 digits then
    if (!digits) return ['number', ASK.number];
    if (!/^\d{12,19}$/.test(digits)) return ['number', CHECK.number];
    const m = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(expiry);
    if (!expiry.trim()) return ['expiry', ASK.expiry];
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 12) return ['expiry', CHECK.expiry];
    if (!cvc.trim()) return ['cvc', ASK.cvc];
    if (!(amex ? /^\d{4}$/ : /^\d{3}$/).test(cvc.trim())) return ['cvc', checkCvc(amex)];
    return null;
  }

  // The server's refusal as [field or null, message]: a 422 from the schema ({loc, type} per field)
  // named by field, the vault's own sentence ("the card has expired") as it is, capitalised.
  function refusal(e) {
    const detail = e && e.detail;
    if (Array.isArray(detail)) {
      const fieldOf = (d) => (d && Array.isArray(d.loc) ? d.loc[d.loc.length - 1] : null);
      const hit = detail.find((d) => ['number', 'expiry', 'cvc'].includes(fieldOf(d)));
      if (hit) {
        const field = fieldOf(hit);
        const empty = hit.type === 'missing' || hit.type === 'string_too_short';
        return [field, empty ? ASK[field] : CHECK[field]];
      }
    }
    const text = (e && e.message) || 'Something went wrong. Please try again.';
    const field = /card number/i.test(text) ? 'number' : /expir/i.test(text) ? 'expiry' : /CVC|security code/i.test(text) ? 'cvc' : null;
    return [field, text.charAt(0).toUpperCase() + text.slice(1)];
  }

  // `send(requestId, {number, expiry, cvc})` resolves to {summary} or rejects with an Error (its
  // `detail`, when there is one, is the server's); `decline(requestId)` tells the server the
  // customer will not send one now.
  function attach(form, send, decline) {
    const $ = (sel) => form.querySelector(sel);
    const note = $('[data-testid="payment-note"]'), error = $('[data-testid="payment-error"]');
    const submit = $('[data-testid="payment-submit"]');
    const fields = { number: $('[name="cc-number"]'), expiry: $('[name="cc-exp"]'), cvc: $('[name="cc-csc"]') };
    let requestId = null;

    // Group digits as they are typed: "4111 1111 1111 1111", and "MM/YY".
    fields.number.addEventListener('input', () => {
      const digits = fields.number.value.replace(/\D/g, '').slice(0, 19);
      fields.number.value = digits.replace(/(\d{4})(?=\d)/g, '$1 ');
    });
    fields.expiry.addEventListener('input', (ev) => {
      const digits = fields.expiry.value.replace(/\D/g, '').slice(0, 4);
      fields.expiry.value = digits.length > 2 || (digits.length === 2 && ev.inputType !== 'deleteContentBackward')
        ? `${digits.slice(0, 2)}/${digits.slice(2)}` : digits;
    });

    function clear() { Object.values(fields).forEach((f) => { f.value = ''; }); showProblem(null); }

    // One message at a time, for the field it is about, which is marked and focused.
    function showProblem(found) {
      Object.values(fields).forEach((f) => f.removeAttribute('aria-invalid'));
      error.hidden = !found;
      error.textContent = found ? found[1] : '';
      const field = found && fields[found[0]];
      if (field) { field.setAttribute('aria-invalid', 'true'); field.focus(); }
    }
    Object.values(fields).forEach((f) => f.addEventListener('input', () => {
      if (f.getAttribute('aria-invalid')) showProblem(null);
    }));

    function show(request) {
      if (requestId === request.id) return;
      requestId = request.id;
      clear();
      note.textContent = request.note || '';
      note.hidden = !request.note;
      submit.disabled = false;
      form.hidden = false;
    }

    function hide() { requestId = null; clear(); form.hidden = true; }

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!requestId) return;
      const card = { number: fields.number.value, expiry: fields.expiry.value, cvc: fields.cvc.value };
      const wrong = problem(card);
      if (wrong) { showProblem(wrong); return; }
      submit.disabled = true; showProblem(null);
      try {
        await send(requestId, card);
        hide();
      } catch (e) {
        if (e.status === 409) { // the request is over (answered, replaced, or the agent let the chat go)
          requestId = null;
          clear(); // the card is not wanted: none of it stays on screen
          showProblem(refusal(e));
          return; // the form stays to say so, with nothing to send; Cancel closes it
        }
        submit.disabled = false;
        fields.cvc.value = ''; // never kept after a refusal: typed again with the corrected card
        showProblem(refusal(e));
      }
    });
    $('[data-testid="payment-cancel"]').addEventListener('click', () => {
      const open = requestId;
      hide();
      if (open && decline) decline(open).catch(() => { /* over already, or offline: the agent may ask again */ });
    });
    hide();
    return { show, hide };
  }

  window.SwitchboardPayment = { attach };
})();
