/* Fireside, the console's "Let the room choose": after a words or sentences poll is revealed, some of
   the answers the room saw become a new multi poll, pushed at once (event room_choose,
   docs/protocol.md). Draws from the console's own state (console.js sends it as 'fireside:console'). */
(function () {
  'use strict';

  var F = window.Fireside;
  var $ = F.$, h = F.h, t = F.t;
  var config = F.config;
  var MAX = config.room_choices_max;
  var polls = [];
  var current = null;

  // The answers of a revealed, moderated poll that the room saw: only these may become options.
  function seen(item) {
    var r = item.result || {};
    if (item.state !== 'revealed' || !r.shown) return [];
    return (r.words || []).map(function (w) { return w.word; }).concat(r.texts || []);
  }

  document.addEventListener('fireside:console', function (ev) {
    var data = ev.detail || {};
    polls = !data.meeting ? [] : (data.agenda || []).filter(function (item) {
      return config.schema.moderated_kinds.indexOf(item.kind) >= 0 && seen(item).length >= 2;
    });
    var list = $('choose-polls');
    while (list.firstChild) list.removeChild(list.firstChild);
    polls.forEach(function (item) {
      list.appendChild(h('li', { class: 'choose-poll' }, [
        h('p', { class: 'choose-prompt', text: item.prompt }),
        h('button', { type: 'button', class: 'btn btn-small btn-outline', 'data-choose': String(item.id),
          'aria-label': t('Let the room choose from the answers to: %(prompt)s', { prompt: item.prompt }),
          text: t('Let the room choose') })
      ]));
    });
    $('choose-panel').hidden = !polls.length;
  });

  $('choose-polls').addEventListener('click', function (ev) {
    var button = ev.target.closest('button[data-choose]');
    if (!button) return;
    current = polls.filter(function (item) { return String(item.id) === button.getAttribute('data-choose'); })[0];
    if (current) open(current);
  });

  function open(item) {
    $('choose-source').textContent = t('Answers to \u201c%(prompt)s\u201d', { prompt: item.prompt });
    var list = $('choose-list');
    while (list.firstChild) list.removeChild(list.firstChild);
    seen(item).forEach(function (text, i) {
      var box = h('input', { type: 'checkbox', id: 'choose-' + i, value: text });
      list.appendChild(h('li', {}, [h('label', { class: 'check', for: 'choose-' + i }, [box, h('span', { text: text })])]));
    });
    $('choose-error').textContent = '';
    $('choose-max').value = '2';
    limit();
    $('choose-dialog').showModal();
  }

  function boxes() { return Array.prototype.slice.call($('choose-list').querySelectorAll('input[type=checkbox]')); }

  // At most MAX answers: the others are disabled once that many are ticked.
  function limit() {
    var ticked = boxes().filter(function (b) { return b.checked; }).length;
    boxes().forEach(function (b) { b.disabled = !b.checked && ticked >= MAX; });
  }
  $('choose-list').addEventListener('change', function () { $('choose-error').textContent = ''; limit(); });

  $('choose-cancel').addEventListener('click', function () { $('choose-dialog').close(); });

  $('choose-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var texts = boxes().filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    var most = parseInt($('choose-max').value, 10);
    if (texts.length < 2) { $('choose-error').textContent = t('Pick at least 2 answers for the room to choose from.'); return; }
    if (!(most >= 1 && most <= texts.length)) {
      $('choose-error').textContent = t('Each man may pick from 1 to %(n)s of them.', { n: texts.length });
      return;
    }
    window.FiresideConsole.act($('choose-ok'), config.events.ROOM_CHOOSE, { item_id: current.id, texts: texts, max: most }, { quiet: true })
      .then(function (answer) {
        if (answer.ok) $('choose-dialog').close();
        // busy, timeout, not connected: the console has said so already, in a sentence of its own.
        else if (['busy', 'timeout', 'not connected'].indexOf(answer.error) < 0) $('choose-error').textContent = answer.error;
      });
  });
}());
