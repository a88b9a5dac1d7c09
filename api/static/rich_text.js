// The bot's replies quote help-centre articles, written in Markdown: show their lists, bold text
// and code as such, not as asterisks and backticks. Built from DOM nodes (text is never parsed as
// HTML), so nothing in a reply can become markup. Plain JS, no dependencies.
(() => {
  'use strict';

  const BULLET = /^\s*[-*•]\s+(.*)$/;
  const NUMBERED = /^\s*(\d+)[.)]\s+(.*)$/;
  const HEADING = /^\s*#{1,6}\s+(.*)$/;
  const INLINE = /(\*\*[^*\n]+\*\*|`[^`\n]+`)/;

  function inline(parent, text) {
    text.split(INLINE).forEach((part, i) => {
      if (!part) return;
      if (i % 2 === 0) { parent.append(document.createTextNode(part)); return; }
      const bold = part.startsWith('**');
      const el = document.createElement(bold ? 'strong' : 'code');
      el.textContent = bold ? part.slice(2, -2) : part.slice(1, -1);
      parent.append(el);
    });
    return parent;
  }

  // A block of lines: runs of list items become lists; other lines a paragraph, line breaks kept.
  function block(lines, into) {
    let list = null, para = null;
    for (const line of lines) {
      const bullet = line.match(BULLET), numbered = line.match(NUMBERED), heading = line.match(HEADING);
      const kind = bullet ? 'ul' : numbered ? 'ol' : null;
      if (kind) {
        if (!list || list.tagName.toLowerCase() !== kind) {
          list = document.createElement(kind);
          if (numbered && numbered[1] !== '1') list.start = Number(numbered[1]);
          into.append(list);
        }
        para = null;
        list.append(inline(document.createElement('li'), bullet ? bullet[1] : numbered[2]));
        continue;
      }
      list = null;
      if (heading) {
        para = null;
        const p = document.createElement('p');
        p.append(inline(document.createElement('strong'), heading[1]));
        into.append(p);
        continue;
      }
      if (!para) { para = document.createElement('p'); into.append(para); } else para.append(document.createElement('br'));
      inline(para, line);
    }
  }

  // An element (div.msg__text) holding `text` rendered.
  function render(text, className = 'msg__text msg__text--rich') {
    const root = document.createElement('div');
    root.className = className;
    String(text || '').split(/\n\s*\n/).forEach((chunk) => block(chunk.split('\n'), root));
    return root;
  }

  window.SwitchboardRichText = { render };
})();
