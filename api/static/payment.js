// The secure card form in the customer's chat. What is typed here goes to the vault's endpoint
// only: never into the transcript, the composer, storage or a URL. Plain JS, no dependencies.
(() => {
  'use strict';

  // `send(requestId, {number, expiry, cvc})` resolves to {summary} or rejects with an Error.
  function attach(form, send) {
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

    function clear() { Object.values(fields).forEach((f) => { f.value = ''; }); }

    function show(request) {
      if (requestId === request.id) return;
      requestId = request.id;
      clear();
      note.textContent = request.note || '';
      note.hidden = !request.note;
      error.hidden = true;
      submit.disabled = false;
      form.hidden = false;
    }

    function hide() { requestId = null; clear(); form.hidden = true; }

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!requestId) return;
      submit.disabled = true; error.hidden = true;
      try {
        await send(requestId, { number: fields.number.value, expiry: fields.expiry.value, cvc: fields.cvc.value });
        hide();
      } catch (e) {
        error.textContent = e.message; error.hidden = false; submit.disabled = false;
        fields.cvc.value = '';
      }
    });
    $('[data-testid="payment-cancel"]').addEventListener('click', hide);
    hide();
    return { show, hide };
  }

  window.SwitchboardPayment = { attach };
})();
