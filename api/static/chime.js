// The console's sound: a short two-note chime when a conversation is handed to the queue or a
// customer writes in a chat the agent is not looking at. Made with Web Audio (no file to fetch),
// at most once every two seconds, and switched off or on with a button the browser remembers.
// Browsers keep audio silent until the page has been clicked or typed in; after that it plays.
(() => {
  'use strict';

  const KEY = 'switchboard.console.sound';
  const QUIET_MS = 2000;
  const NOTES = { handoff: [660, 880], message: [880, 660] }; // rising: someone waits; falling: a new line

  function create(button) {
    let on = true, ctx = null, last = 0;
    try { on = localStorage.getItem(KEY) !== 'off'; } catch (_) { /* storage blocked: on */ }

    function show() {
      button.setAttribute('aria-pressed', String(on));
      button.textContent = on ? 'Sound on' : 'Sound off';
      button.title = on ? 'A chime on a new handoff or a new customer message (click to mute)' : 'Click to hear a chime on a new handoff or message';
    }

    function audio() {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!ctx && Ctx) ctx = new Ctx();
      return ctx;
    }

    function ring(kind) {
      const now = Date.now();
      if (!on || now - last < QUIET_MS) return false;
      const a = audio();
      if (!a) return false;
      last = now;
      (NOTES[kind] || NOTES.message).forEach((hz, i) => {
        const start = a.currentTime + i * 0.12, osc = a.createOscillator(), gain = a.createGain();
        osc.type = 'sine';
        osc.frequency.value = hz;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.25);
        osc.connect(gain).connect(a.destination);
        osc.start(start);
        osc.stop(start + 0.3);
      });
      return true;
    }

    button.addEventListener('click', () => {
      on = !on;
      try { localStorage.setItem(KEY, on ? 'on' : 'off'); } catch (_) { /* blocked: this page only */ }
      show();
      if (on) ring('message'); // what it sounds like
    });
    // The first gesture on the page unlocks audio for the rest of the session.
    const unlock = () => { const a = audio(); if (a && a.state === 'suspended') a.resume(); };
    document.addEventListener('pointerdown', unlock, { once: true, capture: true });
    document.addEventListener('keydown', unlock, { once: true, capture: true });
    show();
    return { ring };
  }

  window.SwitchboardChime = { create };
})();
