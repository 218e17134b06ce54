/* Fireside, the evening editor: list, edit, check, preview, save, import and export decks.
   Plain ES2017, no modules. Talks to /facilitator/evenings/api (docs/protocol.md, "The evening
   editor"); every check is the server's, from prompts/schema.py, so nothing here decides what is
   valid: it only shows where the server's sentences belong. */
(function () {
  'use strict';

  var F = window.Fireside;
  var $ = F.$, h = F.h, t = F.t, nt = F.nt;  // t(), nt(): the page's sentences in the meeting's language
  var config = F.config;
  var LANGUAGE_NAMES = config.languages || {};  // {code: the language's name in itself}
  var S = config.schema, LIMITS = S.limits;
  var HELP = {};
  config.fields.forEach(function (f) { HELP[f.name] = f; });

  // What each field is called on this page, in the facilitator's words (facilitator/evenings.py).
  var LABELS = config.labels;
  var NUMBERS = ['minutes', 'max', 'scale_min', 'scale_max', 'max_words'];
  var LONG = ['prompt', 'note'];
  // Per-option flags (prompts/schema.py's OPTION_FLAGS): each adds a checkbox to every option row
  // of the kinds it applies to, and an option with a flag set is sent as {text, <name>: true}.
  var FLAG_WORDS = {
    exclusive: { label: t('Only on its own'), kinds: ['multi'],
                 aria: function (n) { return t('Option %(n)s is picked only on its own, never with others', { n: n }); } }
  };
  var OPTION_FLAGS = (S.option_flags || []).map(function (name) {
    var words = FLAG_WORDS[name] || {};
    return { name: name, label: words.label || name, kinds: words.kinds || null,
             aria: words.aria || function (n) { return t('%(flag)s, option %(n)s', { flag: name, n: n }); } };
  });

  var state = {
    id: null,        // the file's id once saved; null for a new evening
    source: null,    // the deck a new evening was duplicated from (its comments are kept)
    builtin: false,
    version: null,   // the file's fingerprint when opened: a file changed on disk since is a conflict
    deck: null,
    meta: [],        // per item: {auto: the id still follows the prompt}
    selected: 0,
    check: null,
    dirty: false,
    decks: []
  };

  // ---- talking to the server ----------------------------------------------------------------

  function api(method, path, body) {
    var headers = { 'X-Fireside': 'editor' };
    if (config.key) headers['X-Fireside-Key'] = config.key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(config.api + path, {
      method: method, headers: headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, error: t('Fireside answered something the editor cannot read.') }; })
        .then(function (answer) { answer.status = response.status; return answer; });
    }, function () {
      return { ok: false, error: t('Fireside is not answering. Is it still running on this laptop?'), status: 0 };
    });
  }

  function withKey(url) {
    return config.key ? url + (url.indexOf('?') < 0 ? '?' : '&') + 'key=' + encodeURIComponent(config.key) : url;
  }

  function say(text, tone) {
    var box = $('messages');
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!text) return;
    box.appendChild(h('div', { class: 'message' + (tone === 'ok' ? ' message-ok' : '') }, [h('p', { class: 'message-text', text: text })]));
  }

  // ---- the list -------------------------------------------------------------------------------

  function loadList() {
    return api('GET', '/decks').then(function (answer) {
      if (!answer.ok) { say(answer.error); return; }
      state.decks = answer.decks;
      renderList();
    });
  }

  function renderList() {
    var own = $('own-decks'), builtin = $('builtin-decks');
    [own, builtin].forEach(function (list) { while (list.firstChild) list.removeChild(list.firstChild); });
    state.decks.forEach(function (deck) {
      var actions = h('div', { class: 'ev-deck-actions' });
      function act(label, aria, handler, cls) {
        actions.appendChild(h('button', { type: 'button', class: 'btn btn-small ' + (cls || 'btn-quiet'),
          'aria-label': aria, text: label, onclick: handler }));
      }
      var title = { title: deck.title };
      if (!deck.builtin) act(t('Edit'), t('Edit: %(title)s', title), function () { openDeck(deck.id, false); }, 'btn-outline');
      act(t('Duplicate'), t('Duplicate: %(title)s', title), function () { openDeck(deck.id, true); });
      actions.appendChild(h('a', { class: 'btn btn-small btn-quiet', href: withKey(config.api + '/decks/' + encodeURIComponent(deck.id) + '.toml'),
        download: deck.id + '.toml', 'aria-label': t('Download as a file: %(title)s', title), text: t('Download') }));
      if (!deck.builtin) act(t('Delete'), t('Delete: %(title)s', title), function () { removeDeck(deck); }, 'btn-danger');
      var meta = deck.problems.length
        ? h('p', { class: 'ev-deck-problems', text: nt('Draft: %(num)s problem to fix before it can be started',
                                                       'Draft: %(num)s problems to fix before it can be started', deck.problems.length) })
        : null;
      // An evening is named by its title; its file's name only tells apart two with the same title.
      var twin = state.decks.some(function (other) { return other !== deck && other.title === deck.title; });
      var row = h('li', { class: 'ev-deck', 'data-deck': deck.id }, [
        // An evening in another language than the page's says so, as the console's list does: "(Español)".
        h('div', { class: 'ev-deck-text' }, [h('p', { class: 'ev-deck-title' }, [deck.title,
          deck.language && deck.language !== F.language && LANGUAGE_NAMES[deck.language]
            ? h('span', { class: 'ev-deck-language', lang: deck.language, text: ' (' + LANGUAGE_NAMES[deck.language] + ')' }) : null]),
          twin ? h('p', { class: 'ev-deck-file', text: t('Saved as %(file)s', { file: deck.id }) }) : null, meta]),
        actions
      ]);
      (deck.builtin ? builtin : own).appendChild(row);
    });
    if (!own.firstChild) own.appendChild(h('li', { class: 'ev-empty', text: t('None yet. Press New evening, or duplicate one below.') }));
  }

  function showList() {
    $('edit-view').hidden = true;
    $('list-view').hidden = false;
    say('');
    loadList();
    $('list-heading').focus && $('list-heading').setAttribute('tabindex', '-1');
    $('list-heading').focus();
  }

  function removeDeck(deck) {
    api('GET', '/decks/' + encodeURIComponent(deck.id)).then(function (answer) {
      if (!answer.ok) { say(answer.error); return; }
      confirmDelete(t('Delete “%(title)s”?', { title: deck.title }),
                    t('It is deleted from this laptop. Meetings already held keep their summaries.')).then(function (yes) {
        if (!yes) return;
        api('DELETE', '/decks/' + encodeURIComponent(deck.id), { version: answer.version }).then(function (done) {
          say(done.ok ? t('Deleted “%(title)s”.', { title: deck.title }) : done.error, done.ok ? 'ok' : '');
          loadList();
        });
      });
    });
  }

  function confirmDelete(title, text) {
    var dialog = $('confirm-dialog');
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    dialog.returnValue = '';
    dialog.showModal();
    return new Promise(function (resolve) {
      dialog.addEventListener('close', function onClose() {
        dialog.removeEventListener('close', onClose);
        resolve(dialog.returnValue === 'ok');
      });
    });
  }

  // ---- import ---------------------------------------------------------------------------------

  $('import-file').addEventListener('change', function (ev) {
    var file = ev.target.files && ev.target.files[0];
    ev.target.value = '';
    var box = $('import-problems');
    box.hidden = true;
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!file) return;
    function problems(list) {
      box.appendChild(h('p', { class: 'ev-import-title', text: t('%(name)s was not imported:', { name: file.name }) }));
      box.appendChild(h('ul', {}, list.map(function (p) { return h('li', { text: p }); })));
      box.hidden = false;
    }
    if (file.size > config.import_max) {
      problems([t('It is too large to be an evening (%(size)s KB; the most is %(most)s KB).',
                  { size: Math.round(file.size / 1024), most: Math.round(config.import_max / 1024) })]);
      return;
    }
    file.text().then(function (text) {
      return api('POST', '/import', { name: file.name, text: text });
    }).then(function (answer) {
      if (!answer.ok) { problems(answer.problems || [answer.error]); return; }
      say(t('Imported %(name)s.', { name: file.name }), 'ok');
      loadList();
    });
  });

  // ---- opening an evening -------------------------------------------------------------------

  function openDeck(deckId, duplicate) {
    api('GET', '/decks/' + encodeURIComponent(deckId)).then(function (answer) {
      if (!answer.ok) { say(answer.error); return; }
      var deck = answer.deck;
      if (!Array.isArray(deck.items)) deck.items = [];
      if (duplicate) {
        var original = deck.title || deckId;
        deck.title = t('Copy of %(title)s', { title: original }).slice(0, LIMITS.title_max);
        edit({ id: null, source: answer.id, version: null, deck: deck, dirty: true });
        $('edit-heading').textContent = t('New evening, a copy of “%(title)s”', { title: original });
      } else {
        edit({ id: answer.id, source: null, version: answer.version, deck: deck, dirty: false });
      }
    });
  }

  function newEvening() {
    edit({ id: null, source: null, version: null, dirty: true,
      deck: { title: '', summary: '', language: F.language, items: [newItem('discussion')] } });
    $('deck-title').focus();
  }
  $('new-evening').addEventListener('click', newEvening);

  function newItem(kind) {
    var item = { id: '', kind: kind, prompt: '' };
    defaultsFor(item);
    return item;
  }

  function defaultsFor(item) {
    if (takes(item.kind, 'options') && !Array.isArray(item.options)) item.options = ['', ''];
    if (takes(item.kind, 'max') && item.max == null) item.max = 2;
    if (item.kind === 'scale') {
      if (item.scale_min == null) item.scale_min = 0;
      if (item.scale_max == null) item.scale_max = 10;
    }
  }

  function takes(kind, field) {
    var f = HELP[field];
    return !!f && f.kinds.indexOf(kind) >= 0;
  }

  function edit(next) {
    state.id = next.id; state.source = next.source; state.version = next.version;
    state.deck = next.deck; state.dirty = next.dirty;
    state.meta = state.deck.items.map(function (item) { return { auto: !item.id } });
    state.selected = 0; state.check = null;
    // A new evening is empty, not wrong: its fields say what is missing once he has been in them,
    // or once he saves. An evening opened from its file shows every problem at once.
    state.touched = {}; state.showAll = !!next.id;
    $('list-view').hidden = true;
    $('edit-view').hidden = false;
    $('conflict').hidden = true;
    say('');
    $('edit-heading').textContent = state.id ? t('Edit “%(title)s”', { title: state.deck.title || state.id }) : t('New evening');
    $('deck-title').value = state.deck.title || '';
    $('deck-summary').value = state.deck.summary || '';
    $('deck-language').value = state.deck.language || 'en';
    renderItems();
    renderItem();
    measureBar();
    check();
  }

  // ---- the deck and its items ---------------------------------------------------------------

  ['title', 'summary', 'language'].forEach(function (name) {
    $('deck-' + name).addEventListener(name === 'language' ? 'change' : 'input', function (ev) {
      state.deck[name] = ev.target.value;
      changed();
    });
  });

  function changed(structure) {
    if (!state.dirty) say('');  // "Saved as…" no longer holds once he changes something
    state.dirty = true;
    quietWhileTyping();
    if (structure) renderItems(); else updateRows();
    scheduleCheck();  // the preview follows the check: a broken scale is not drawn
    updateStatus();
  }

  function itemLabel(item, i) {
    return t('%(n)s. %(kind)s', { n: i + 1, kind: S.kind_labels[item.kind] || item.kind || t('Item') });
  }

  function renderItems(focusSelector) {
    var list = $('items');
    while (list.firstChild) list.removeChild(list.firstChild);
    state.deck.items.forEach(function (item, i) {
      var selected = i === state.selected;
      var row = h('li', { class: 'ev-row' + (selected ? ' is-selected' : ''), draggable: 'true', 'data-index': String(i) }, [
        h('span', { class: 'ev-grip', 'aria-hidden': 'true', text: '⠿' }),
        h('button', { type: 'button', class: 'ev-row-main', 'data-do': 'select', 'aria-current': selected ? 'true' : null }, [
          h('span', { class: 'ev-row-kind', text: itemLabel(item, i) }),
          h('span', { class: 'ev-row-prompt', text: item.prompt || t('(nothing for the phones yet)') }),
          h('span', { class: 'ev-row-problems' })
        ]),
        h('span', { class: 'ev-row-tools' }, [
          tool('up', '↑', t('Move item %(n)s up', { n: i + 1 }), i === 0),
          tool('down', '↓', t('Move item %(n)s down', { n: i + 1 }), i === state.deck.items.length - 1),
          tool('duplicate', '', t('Duplicate item %(n)s', { n: i + 1 })),
          tool('delete', '✕', t('Delete item %(n)s', { n: i + 1 }), state.deck.items.length === 1)
        ])
      ]);
      list.appendChild(row);
    });
    updateRows();
    updateTotal();
    if (focusSelector) {
      var target = list.querySelector(focusSelector);
      if (target) target.focus();
    }
  }

  function tool(action, symbol, label, disabled) {
    return h('button', { type: 'button', class: 'ev-tool ev-tool-' + (action === 'duplicate' ? 'copy' : action), 'data-do': action, 'aria-label': label, title: label,
      disabled: !!disabled, text: symbol });
  }

  function updateRows() {
    var rows = $('items').children;
    for (var i = 0; i < rows.length; i++) {
      var item = state.deck.items[i];
      rows[i].querySelector('.ev-row-kind').textContent = itemLabel(item, i);
      rows[i].querySelector('.ev-row-prompt').textContent = item.prompt || t('(nothing for the phones yet)');
      var problems = itemProblemCount(i);
      var mark = rows[i].querySelector('.ev-row-problems');
      mark.textContent = problems ? nt('%(num)s problem', '%(num)s problems', problems) : '';
      rows[i].classList.toggle('has-problems', !!problems);
    }
    updateTotal();
  }

  function itemProblemCount(i) {
    var found = state.check && state.check.items[i];
    if (!found) return 0;
    return Object.keys(found).reduce(function (n, k) { return n + found[k].length; }, 0);
  }

  function updateTotal() {
    var minutes = state.deck.items.reduce(function (sum, item) {
      var m = Number(item.minutes);
      return sum + (Number.isInteger(m) && m > 0 ? m : 0);
    }, 0);
    var evening = config.evening_minutes;
    var text, vars = { planned: minutes, evening: evening, over: minutes - evening, free: evening - minutes };
    if (minutes > evening) text = t('%(planned)s of %(evening)s minutes planned (6:30 to 8:30 PM): %(over)s minutes over', vars);
    else if (minutes < evening) text = t('%(planned)s of %(evening)s minutes planned (6:30 to 8:30 PM): %(free)s minutes free', vars);
    else text = t('%(planned)s of %(evening)s minutes planned (6:30 to 8:30 PM)', vars);
    $('total').textContent = text;
    $('total').classList.toggle('is-over', minutes > evening);
  }

  function selectItem(i, focus) {
    state.selected = i;
    renderItems(focus);
    renderItem();
    formInSight();
    preview();
    updatePreviewNav();
  }

  // The chosen item's form is where his eyes go next, however far down the list he chose it. Beside the list it
  // keeps to the screen by itself (sticky, evenings.css), its top shown; where it cannot (a narrow window) the page
  // brings its top into view. Focus stays on the row he chose: the keyboard goes on through the list from there.
  function measureBar() {
    var bar = document.querySelector('.ev-edit-bar');
    if (bar) $('edit-view').style.setProperty('--ev-bar', bar.offsetHeight + 'px');
  }
  function formInSight() {
    var form = $('item-editor');
    form.scrollTop = 0;
    var top = form.getBoundingClientRect().top;
    var under = Math.max(document.querySelector('.ev-edit-bar').getBoundingClientRect().bottom, 0);
    if (top < under - 1 || top > window.innerHeight - 160) form.scrollIntoView({ block: 'start' });
  }
  window.addEventListener('resize', measureBar);

  // With the phone open over the list (a narrow screen), he moves through the items from the phone.
  function updatePreviewNav() {
    var n = state.deck ? state.deck.items.length : 0;
    $('preview-prev').disabled = state.selected <= 0;
    $('preview-next').disabled = state.selected >= n - 1;
  }
  $('preview-prev').addEventListener('click', function () { if (state.selected > 0) selectItem(state.selected - 1); });
  $('preview-next').addEventListener('click', function () {
    if (state.selected < state.deck.items.length - 1) selectItem(state.selected + 1);
  });

  $('items').addEventListener('click', function (ev) {
    var button = ev.target.closest('button[data-do]');
    if (!button) return;
    var i = Number(button.closest('li').getAttribute('data-index'));
    var items = state.deck.items, meta = state.meta;
    var action = button.getAttribute('data-do');
    if (action === 'select') {
      selectItem(i, 'li[data-index="' + i + '"] .ev-row-main');
      return;
    }
    if (action === 'up' || action === 'down') {
      var j = action === 'up' ? i - 1 : i + 1;
      if (j < 0 || j >= items.length) return;
      move(i, j);
      var focus = 'li[data-index="' + j + '"] [data-do="' + action + '"]';
      if ((action === 'up' && j === 0) || (action === 'down' && j === items.length - 1)) focus = 'li[data-index="' + j + '"] .ev-row-main';
      renderItems(focus);
      announce(t('Item moved to place %(n)s.', { n: j + 1 }));
    } else if (action === 'duplicate') {
      var copy = JSON.parse(JSON.stringify(items[i]));
      copy.id = uniqueId(slug(copy.prompt), -1);
      items.splice(i + 1, 0, copy);
      meta.splice(i + 1, 0, { auto: true });
      state.selected = i + 1;
      renderItems('li[data-index="' + (i + 1) + '"] .ev-row-main');
      announce(t('Item duplicated.'));
    } else if (action === 'delete') {
      items.splice(i, 1);
      meta.splice(i, 1);
      state.selected = Math.min(state.selected, items.length - 1);
      renderItems('li[data-index="' + Math.min(i, items.length - 1) + '"] .ev-row-main');
      announce(t('Item deleted.'));
    }
    renderItem();
    if (action === 'duplicate' || action === 'delete') formInSight();
    changed(false);
  });

  function move(from, to) {
    var items = state.deck.items, meta = state.meta;
    var wasSelected = state.selected === from;
    items.splice(to, 0, items.splice(from, 1)[0]);
    meta.splice(to, 0, meta.splice(from, 1)[0]);
    if (wasSelected) state.selected = to;
    else if (state.selected > from && state.selected <= to) state.selected -= 1;
    else if (state.selected < from && state.selected >= to) state.selected += 1;
  }

  // Reordering by drag (the arrows do the same for the keyboard).
  var dragFrom = null;
  $('items').addEventListener('dragstart', function (ev) {
    var row = ev.target.closest && ev.target.closest('li');
    if (!row) return;
    dragFrom = Number(row.getAttribute('data-index'));
    ev.dataTransfer.effectAllowed = 'move';
    ev.dataTransfer.setData('text/plain', String(dragFrom));
    row.classList.add('is-dragging');
  });
  $('items').addEventListener('dragover', function (ev) {
    if (dragFrom === null) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'move';
  });
  $('items').addEventListener('drop', function (ev) {
    var row = ev.target.closest && ev.target.closest('li');
    if (dragFrom === null || !row) return;
    ev.preventDefault();
    var to = Number(row.getAttribute('data-index'));
    var from = dragFrom;
    dragFrom = null;
    if (to === from) { renderItems(); return; }
    move(from, to);
    renderItems();
    renderItem();
    changed(false);
    announce(t('Item moved to place %(n)s.', { n: to + 1 }));
  });
  $('items').addEventListener('dragend', function () { dragFrom = null; renderItems(); });

  $('add-item').addEventListener('click', function () {
    var kind = (state.deck.items[state.selected] || {}).kind || 'discussion';
    state.deck.items.push(newItem(kind));
    state.meta.push({ auto: true });
    state.selected = state.deck.items.length - 1;
    renderItems();
    renderItem();
    changed(false);
    $('f-kind').focus();
  });

  var announcer = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  document.body.appendChild(announcer);
  function announce(text) { announcer.textContent = ''; setTimeout(function () { announcer.textContent = text; }, 30); }

  // ---- one item's fields --------------------------------------------------------------------

  // An id made from the prompt: lowercase letters, digits and dashes; kept once saved.
  function slug(text) {
    var s = String(text || '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
      .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    if (s.length > 32) s = s.slice(0, 32).replace(/-[^-]*$/, '') || s.slice(0, 32);
    return s || 'item';
  }

  function uniqueId(base, except) {
    var taken = {};
    state.deck.items.forEach(function (item, i) { if (i !== except && item.id) taken[item.id] = true; });
    var id = base, n = 2;
    while (taken[id]) { id = base + '-' + n; n += 1; }
    return id;
  }

  function fieldOrder(kind) {
    var own = config.fields.filter(function (f) { return f.kinds.length < S.kinds.length && takes(kind, f.name); })
      .map(function (f) { return f.name; });
    return ['kind', 'prompt'].concat(own, ['note', 'minutes', 'id']);
  }

  function renderItem() {
    var box = $('item-fields');
    while (box.firstChild) box.removeChild(box.firstChild);
    var item = state.deck.items[state.selected];
    $('item-heading').textContent = item ? t('Item %(n)s', { n: state.selected + 1 }) : t('Item');
    if (!item) return;
    fieldOrder(item.kind).forEach(function (name) { box.appendChild(fieldFor(item, name)); });
    showErrors();
  }

  function fieldFor(item, name) {
    var id = 'f-' + name;
    var help = HELP[name] ? HELP[name].help : '';
    var required = HELP[name] && HELP[name].required;
    var label = h('label', { for: id }, [LABELS[name] || name, required || name === 'options' ? null : h('span', { class: 'optional', text: ' ' + t('(optional)') })]);
    // The kind's hint says what the chosen kind does, in full: the list itself names the kinds only,
    // so the closed list never cuts a long description off.
    if (name === 'kind' && S.kind_hints[item.kind]) help = S.kind_hints[item.kind];
    var hint = help ? h('p', { class: 'hint', id: id + '-hint', text: help[0].toUpperCase() + help.slice(1) + '.' }) : null;
    var error = h('p', { class: 'ev-error', id: id + '-error' });
    var describedby = (hint ? id + '-hint ' : '') + id + '-error';
    var input;
    if (name === 'kind') {
      input = h('select', { id: id, 'aria-describedby': describedby },
        S.kinds.map(function (k) { return h('option', { value: k, text: S.kind_labels[k] }); }));
      input.value = item.kind;
      input.addEventListener('change', function () {
        var next = input.value;
        Object.keys(item).forEach(function (f) {
          if (['id', 'kind', 'prompt', 'note', 'minutes'].indexOf(f) < 0 && !takes(next, f)) delete item[f];
        });
        item.kind = next;
        defaultsFor(item);
        renderItem();
        changed(false);
        $('f-kind').focus();
      });
    } else if (name === 'options') {
      return optionsField(item, label, hint, error, describedby);
    } else {
      var value = item[name];
      var long = LONG.indexOf(name) >= 0;
      input = h(long ? 'textarea' : 'input', { id: id, 'aria-describedby': describedby, rows: long ? (name === 'prompt' ? 3 : 2) : null,
        type: long ? null : (NUMBERS.indexOf(name) >= 0 ? 'number' : 'text'), inputmode: NUMBERS.indexOf(name) >= 0 ? 'numeric' : null,
        autocomplete: 'off', placeholder: name.slice(-6) === '_label' && S.default_axes[name.slice(0, -6)] ? S.default_axes[name.slice(0, -6)] : null });
      input.value = value == null ? '' : String(value);
      input.addEventListener('input', function () {
        var raw = input.value;
        if (NUMBERS.indexOf(name) >= 0) {
          if (raw.trim() === '') delete item[name];
          else item[name] = /^-?\d+$/.test(raw.trim()) ? parseInt(raw.trim(), 10) : raw;
        } else if (raw === '' && name !== 'prompt' && name !== 'id') {
          delete item[name];
        } else {
          item[name] = raw;
        }
        var meta = state.meta[state.selected];
        if (name === 'id') meta.auto = false;
        if (name === 'prompt' && meta.auto) {
          item.id = uniqueId(slug(raw), state.selected);
          var idInput = $('f-id');
          if (idInput) idInput.value = item.id;
        }
        changed(false);
      });
    }
    return h('div', { class: 'field', 'data-field': name }, [label, input, hint, error]);
  }

  function optionsField(item, label, hint, error, describedby) {
    var wrap = h('fieldset', { class: 'field ev-options', 'data-field': 'options', 'aria-describedby': describedby }, [
      h('legend', { text: LABELS.options }), hint, error]);
    var list = h('ol', { class: 'ev-option-list' });
    wrap.insertBefore(list, hint);
    function draw(focusIndex) {
      while (list.firstChild) list.removeChild(list.firstChild);
      item.options.forEach(function (option, i) {
        var text = typeof option === 'string' ? option : (option && option.text) || '';
        var input = h('input', { type: 'text', id: 'f-option-' + (i + 1), class: 'ev-option-input', autocomplete: 'off',
          'aria-label': t('Option %(n)s', { n: i + 1 }), value: text });
        input.addEventListener('input', function () { item.options[i] = optionValue(input.value, item.options[i]); changed(false); });
        var flags = OPTION_FLAGS.filter(function (flag) {
          return !flag.kinds || flag.kinds.indexOf(item.kind) >= 0;
        }).map(function (flag) {
          var box = h('input', { type: 'checkbox', checked: !!(option && option[flag.name]), 'aria-label': flag.aria(i + 1) });
          box.addEventListener('change', function () {
            var current = typeof item.options[i] === 'string' ? { text: item.options[i] } : item.options[i];
            current[flag.name] = box.checked;
            item.options[i] = optionValue(current.text, current);
            changed(false);
          });
          return h('label', { class: 'check check-small' }, [box, h('span', { text: flag.label })]);
        });
        var removeLabel = t('Remove option %(n)s', { n: i + 1 });
        var remove = h('button', { type: 'button', class: 'ev-tool', 'aria-label': removeLabel, title: removeLabel,
          text: '✕', disabled: item.options.length <= 1 });
        remove.addEventListener('click', function () {
          item.options.splice(i, 1);
          draw(Math.min(i, item.options.length - 1));
          changed(false);
        });
        list.appendChild(h('li', { class: 'ev-option' }, [input].concat(flags, [remove])));
      });
      if (focusIndex != null && $('f-option-' + (focusIndex + 1))) $('f-option-' + (focusIndex + 1)).focus();
    }
    draw();
    var add = h('button', { type: 'button', class: 'btn btn-small btn-quiet', id: 'f-add-option', text: t('Add an option') });
    add.addEventListener('click', function () {
      item.options.push('');
      draw(item.options.length - 1);
      changed(false);
    });
    wrap.insertBefore(add, hint);
    return wrap;
  }

  // An option as the deck file holds it: plain text, or {text, flag: true} when a flag is set.
  function optionValue(text, previous) {
    if (!previous || typeof previous === 'string') return text;
    var flagged = OPTION_FLAGS.some(function (flag) { return previous[flag.name]; });
    if (!flagged) return text;
    var out = { text: text };
    OPTION_FLAGS.forEach(function (flag) { if (previous[flag.name]) out[flag.name] = true; });
    return out;
  }

  // ---- checking (the server's schema) ----------------------------------------------------------

  var checkTimer = null, checkSeq = 0;
  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 250);
  }

  function check() {
    var seq = ++checkSeq;
    return api('POST', '/check', { deck: state.deck }).then(function (answer) {
      if (seq !== checkSeq) return;
      if (!answer.ok) { say(answer.error); return; }
      state.check = answer.check;
      showErrors();
      updateRows();
      updateStatus();
    });
  }

  // The field he is typing in drops its error at once: what the last check said of it is about
  // the text before this keystroke. The next check (a quarter second later) says it again if it still holds.
  function quietWhileTyping() {
    var el = document.activeElement;
    if (!el || !el.closest) return;
    var field = el.closest('#edit-view [data-field]');
    var id = field ? 'f-' + field.dataset.field : (el.dataset && el.dataset.deckField ? 'deck-' + el.dataset.deckField : null);
    if (id) setError(id, null);
    if (el.classList.contains('ev-option-input')) el.removeAttribute('aria-invalid');
  }

  function setError(id, messages) {
    var box = $(id + '-error');
    if (!box) return;
    box.textContent = (messages || []).join(' ');
    var input = $(id);
    if (input) {
      if (messages && messages.length) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  // Which field an input belongs to, for "has he been in it yet": an item's fields are its own.
  function touchKey(id) {
    if (/^f-option-/.test(id) || id === 'f-add-option') id = 'f-options';
    return id.indexOf('f-') === 0 ? state.selected + ':' + id : id;
  }
  function touch(ev) { if (ev.target && ev.target.id) state.touched[touchKey(ev.target.id)] = true; }
  $('edit-view').addEventListener('input', touch);
  $('edit-view').addEventListener('change', touch);

  function showErrors() {
    var c = state.check || { deck: {}, items: [] };
    function shown(id, messages) { return state.showAll || state.touched[touchKey(id)] ? messages : null; }
    ['title', 'summary', 'language', 'items'].forEach(function (name) { setError('deck-' + name, shown('deck-' + name, c.deck[name])); });
    var item = state.deck.items[state.selected];
    if (!item) return;
    var found = c.items[state.selected] || {};
    fieldOrder(item.kind).forEach(function (name) { setError('f-' + name, shown('f-' + name, found[name])); });
    var general = found[''] || [];
    if (general.length) setError('f-kind', (found.kind || []).concat(general));
    var optionInputs = document.querySelectorAll('.ev-option-input');
    var badOptions = (c.bad_options && c.bad_options[state.selected]) || [];  // by number: the sentences may be in any language
    for (var i = 0; i < optionInputs.length; i++) {
      var bad = badOptions.indexOf(i + 1) >= 0;
      if (bad) optionInputs[i].setAttribute('aria-invalid', 'true'); else optionInputs[i].removeAttribute('aria-invalid');
    }
    preview();
  }

  function updateStatus() {
    var c = state.check;
    var status = $('status');
    var problems = c ? c.count : 0;
    var text;
    if (state.dirty) text = t('Not saved yet.');
    else text = t('Saved.');
    if (c && problems && state.dirty) {
      text += ' ' + nt('%(num)s problem to fix before it can be started; you can save it as a draft.',
                       '%(num)s problems to fix before it can be started; you can save it as a draft.', problems);
    } else if (c && problems) {  // saved already: a draft, and what is left to do
      text += ' ' + nt('A draft: %(num)s problem to fix before it can be started.',
                       'A draft: %(num)s problems to fix before it can be started.', problems);
    } else if (c && !state.dirty) text += ' ' + t('Ready to start.');
    status.textContent = text;
    status.classList.toggle('has-problems', !!problems);
    var startable = !!state.id && !state.dirty && c && c.ok;
    $('start-link').hidden = !startable;
    // The console opens with this evening ticked, not whichever deck it lists first.
    if (state.id) $('start-link').href = withKey('/facilitator?deck=' + encodeURIComponent(state.id));
    $('export-link').hidden = !state.id || state.dirty;
    if (state.id) {
      $('export-link').href = withKey(config.api + '/decks/' + encodeURIComponent(state.id) + '.toml');
      $('export-link').setAttribute('download', state.id + '.toml');
    }
  }

  // ---- preview: the phone page itself, in a frame -------------------------------------------------

  function previewItem(item) {
    var out = { id: state.selected + 1, key: item.id || '', kind: item.kind, prompt: item.prompt || '',
      state: item.kind === 'discussion' ? 'shown' : 'open', answered: 0, result: null };
    if (takes(item.kind, 'options')) out.options = (item.options || []).map(function (o) { return typeof o === 'string' ? o : o.text; });
    if (takes(item.kind, 'max')) out.max = item.max;
    if (item.kind === 'scale') out.scale = { min: item.scale_min, max: item.scale_max, min_label: item.min_label || '', max_label: item.max_label || '' };
    if (item.kind === 'compass') {
      out.axes = {};
      ['x', 'y', 'low', 'high'].forEach(function (a) { out.axes[a] = item[a + '_label'] || S.default_axes[a]; });
    }
    if (item.kind === 'words') out.max_words = item.max_words || LIMITS.words_default;
    return out;
  }

  function preview() {
    var frame = $('preview');
    var item = state.deck && state.deck.items[state.selected];
    if (!frame.contentWindow || !item) return;
    var found = state.check && state.check.items[state.selected];
    var broken = found && Object.keys(found).some(function (k) { return k !== 'prompt' && k !== 'id' && k !== 'note' && k !== 'minutes' && found[k].length; });
    // A kind whose own fields are broken (a scale from 10 to 0) is not drawn: the phone would draw nonsense.
    $('preview-note').textContent = broken ? t('Fix the marked fields to see this item here.') : t('A preview: nothing is sent.');
    if (broken) return;
    frame.contentWindow.postMessage({ fireside: 'preview', item: previewItem(item) }, window.location.origin);
  }
  $('preview').addEventListener('load', preview);

  // On a narrow screen the phone waits for him to ask: it opens over the list, beside the item.
  var narrow = window.matchMedia('(max-width: 900px)');
  function showPhone(on) {
    document.body.classList.toggle('show-phone', on);
    $('preview-toggle').setAttribute('aria-expanded', on ? 'true' : 'false');
    $('preview-toggle').textContent = on ? t('Hide the phone') : t('See it on a phone');
    // The bar goes to the top of the screen first: the room under it is the phone's.
    var barTop = document.querySelector('.ev-edit-bar').getBoundingClientRect().top;
    if (on && narrow.matches && barTop > 0) window.scrollBy(0, barTop);
    placePhone();
    if (on) { preview(); updatePreviewNav(); }
  }
  // Just under the sticky bar, and drawn small enough that the whole phone fits the screen left.
  function placePhone() {
    var panel = $('preview-panel'), phone = panel.querySelector('.ev-phone');
    if (!narrow.matches || !document.body.classList.contains('show-phone')) {
      panel.style.top = panel.style.width = panel.style.maxHeight = '';
      phone.style.removeProperty('--s');
      return;
    }
    var top = Math.max(document.querySelector('.ev-edit-bar').getBoundingClientRect().bottom, 0) + 8;
    panel.style.top = top + 'px';
    panel.style.width = document.querySelector('.ev-evening').getBoundingClientRect().width + 'px';  // the list, covered whole
    var around = panel.offsetHeight - phone.offsetHeight;  // its heading, its note and its padding
    var room = window.innerHeight - top - 12 - around - 16;  // 16: the phone's own edge
    // Small enough to fit whole, but never so small that its words cannot be read: then the panel scrolls.
    phone.style.setProperty('--s', String(Math.max(0.45, Math.min(0.55, room / 880))));
    panel.style.maxHeight = (window.innerHeight - top - 12) + 'px';
  }
  window.addEventListener('scroll', placePhone, { passive: true });
  window.addEventListener('resize', placePhone);
  $('preview-toggle').addEventListener('click', function () {
    showPhone(!document.body.classList.contains('show-phone'));
  });

  // ---- saving -----------------------------------------------------------------------------------

  $('edit-view').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var button = $('save');
    // A new evening's file is named after its title: without one it would be "evening.toml" for good.
    if (!state.id && !String(state.deck.title || '').trim()) {
      setError('deck-title', [t('Give the evening a title first: it is saved under its title.')]);
      $('deck-title').focus();
      return;
    }
    button.disabled = true;
    state.showAll = true;  // saved (even as a draft): every problem is his to see now
    // An item saved before its id was typed gets one from its question; one with no question yet
    // keeps following it, so saving early never freezes an empty id.
    state.deck.items.forEach(function (item, i) {
      if (!item.id && item.prompt && item.prompt.trim()) item.id = uniqueId(slug(item.prompt), i);
    });
    var idInput = $('f-id');
    if (idInput && state.deck.items[state.selected]) idInput.value = state.deck.items[state.selected].id || '';
    var request = state.id
      ? api('PUT', '/decks/' + encodeURIComponent(state.id), { deck: state.deck, version: state.version })
      : api('POST', '/decks', { deck: state.deck, source: state.source });
    request.then(function (answer) {
      button.disabled = false;
      if (answer.status === 409) {
        $('conflict-text').textContent = answer.error;
        $('conflict').hidden = false;
        $('reload').focus();
        return;
      }
      if (!answer.ok) { say(answer.error); return; }
      state.id = answer.id; state.version = answer.version; state.source = null; state.dirty = false;
      state.check = answer.check;
      state.meta.forEach(function (m, i) { if (state.deck.items[i].id) m.auto = false; });
      $('edit-heading').textContent = t('Edit “%(title)s”', { title: state.deck.title || state.id });
      say(answer.check.ok ? t('Saved.')
        : t('Saved as a draft. Fix the marked fields before you start it.'), answer.check.ok ? 'ok' : '');
      showErrors();
      updateRows();
      updateStatus();
    });
  });

  $('reload').addEventListener('click', function () {
    if (state.id) openDeck(state.id, false);
  });

  // After a conflict: his version goes to a new file beside the changed one (its comments kept).
  $('save-as-new').addEventListener('click', function () {
    state.source = state.id;
    state.id = null;
    state.version = null;
    $('conflict').hidden = true;
    $('save').click();
  });

  $('back-to-list').addEventListener('click', function () {
    if (state.dirty && !window.confirm(t('Leave without saving your changes?'))) return;
    showList();
  });

  window.addEventListener('beforeunload', function (ev) {
    if (!$('edit-view').hidden && state.dirty) { ev.preventDefault(); ev.returnValue = ''; }
  });

  $('console-link').href = withKey('/facilitator');
  // The console sends him here with ?deck=<id> to finish an evening of his that cannot start yet.
  var asked = new URLSearchParams(window.location.search).get('deck');
  loadList().then(function () {
    var mine = (state.decks || []).some(function (deck) { return deck.id === asked && !deck.builtin; });
    if (mine) openDeck(asked, false);
  });
})();
