/* Fireside — the facilitator console. Plain ES2017, no build step.
 *
 * The server sends the whole picture in `console` events and live counts in `count`
 * events (docs/protocol.md). This script redraws the changing parts from that picture,
 * and keeps what the facilitator is typing (the add form, the notes) untouched.
 */
(function () {
  'use strict';

  var F = window.Fireside;
  var $ = F.$, h = F.h, plural = F.plural;
  var config = F.config;
  var E = config.events;
  var KIND_LABELS = config.schema.kind_labels;
  var LIMITS = config.schema.limits;
  var STATE_LABELS = {
    pending: 'Not shown yet', open: 'Open', closed: 'Closed',
    revealed: 'Revealed', shown: 'Shown'
  };
  // What really happens to words and sentences, whatever a deck's note says (docs/privacy.md).
  var REVIEW_WHEN = 'Answers reach your review list when you close the poll, not as they arrive.';
  var ACK_TIMEOUT_MS = 10000;
  var NOTES_DELAY_MS = 900;

  var data = null;          // the last `console` payload
  var lastDecksKey = '';    // redraw the deck list only when it changes
  var lastResultKey = '';   // redraw the chart only when the result changes
  var notesDirty = false;
  var notesTimer = null;
  var busy = false;         // one facilitator action at a time
  var noticesShown = {};    // each notice from the server is shown once per page

  /* ---- small helpers ------------------------------------------------------------ */

  // Server errors are sentences; make sure they read as one.
  function sentence(text) {
    text = String(text || '').trim();
    if (!text) return '';
    text = text.charAt(0).toUpperCase() + text.slice(1);
    return /[.!?\u2026]$/.test(text) ? text : text + '.';
  }

  function itemById(id) {
    if (!data || !data.agenda) return null;
    for (var i = 0; i < data.agenda.length; i++) {
      if (String(data.agenda[i].id) === String(id)) return data.agenda[i];
    }
    return null;
  }

  function isPoll(item) { return !!item && config.schema.poll_kinds.indexOf(item.kind) >= 0; }

  // Whether an item of this kind takes this field (in deck form), as prompts/schema.py says.
  function takes(kind, field) { return (config.schema.field_kinds[field] || []).indexOf(kind) >= 0; }

  /* ---- messages ----------------------------------------------------------------- */

  function showMessage(text, tone) {
    var box = $('messages');
    var msg = h('div', { class: 'message message-' + (tone || 'error'), role: tone === 'ok' ? 'status' : 'alert' }, [
      h('p', { class: 'message-text', text: text }),
      h('button', { type: 'button', class: 'message-close', 'aria-label': 'Dismiss this message', text: '×' })]);
    msg.querySelector('button').addEventListener('click', function () { msg.remove(); });
    while (box.children.length >= 2) box.firstElementChild.remove();
    box.appendChild(msg);
    if (tone === 'notice') return msg;  // news of what happened to the data stays until dismissed
    setTimeout(function () { if (msg.isConnected) msg.remove(); }, tone === 'ok' ? 5000 : 20000);
    return msg;
  }

  // Screen-reader announcements, at most one every few seconds, so live counts never chatter.
  var announce = F.announcer(4000);

  /* ---- talking to the server ---------------------------------------------------- */

  var auth = { view: config.view };
  if (config.key) auth.key = config.key;
  var socket = io(config.namespace, { auth: auth });

  // Send one action; resolve with the server's answer. Refusals are shown politely.
  function send(event, payload, options) {
    options = options || {};
    return new Promise(function (resolve) {
      if (!socket.connected) {
        showMessage('Not connected to Fireside right now, so nothing was changed. It reconnects by itself; try again in a moment.');
        resolve({ ok: false, error: 'not connected' });
        return;
      }
      socket.timeout(ACK_TIMEOUT_MS).emit(event, payload || {}, function (err, answer) {
        if (err) {
          showMessage('Fireside did not answer in time. Check that it is still running on this laptop, then try again.');
          resolve({ ok: false, error: 'timeout' });
          return;
        }
        answer = answer || { ok: false, error: 'Fireside gave no answer.' };
        if (!answer.ok && !options.quiet) {
          showMessage(sentence(answer.error) || 'That did not work, and nothing was changed.');
        }
        resolve(answer);
      });
    });
  }

  // Disable the clicked button while its action is on the way, to avoid double sends.
  function act(button, event, payload, options) {
    if (busy) return Promise.resolve({ ok: false, error: 'busy' });
    busy = true;
    if (button) button.setAttribute('aria-busy', 'true');
    return send(event, payload, options).then(function (answer) {
      busy = false;
      if (button) button.removeAttribute('aria-busy');
      return answer;
    });
  }

  /* ---- confirm dialog ----------------------------------------------------------- */

  function confirmDialog(title, paragraphs, okLabel, tone) {
    var dialog = $('confirm-dialog');
    $('confirm-title').textContent = title;
    var text = $('confirm-text');
    text.textContent = '';
    (Array.isArray(paragraphs) ? paragraphs : [paragraphs]).forEach(function (p) {
      text.appendChild(h('p', { text: p }));
    });
    var ok = $('confirm-ok');
    ok.textContent = okLabel || 'Yes';
    ok.className = 'btn ' + (tone === 'danger' ? 'btn-danger-solid' : 'btn-primary');
    return new Promise(function (resolve) {
      if (typeof dialog.showModal !== 'function') {
        resolve(window.confirm(title + '\n\n' + text.textContent));
        return;
      }
      dialog.returnValue = '';
      dialog.addEventListener('close', function onClose() {
        dialog.removeEventListener('close', onClose);
        resolve(dialog.returnValue === 'ok');
      });
      dialog.showModal();
      $('confirm-cancel').focus();
    });
  }

  /* ---- connection state --------------------------------------------------------- */

  var setBanner = F.conn;

  socket.on('connect', function () { setBanner(''); });
  socket.on('disconnect', function (reason) {
    if (reason === 'io server disconnect') {
      setBanner('Fireside closed this connection. Reload the page to reconnect.');
    } else {
      setBanner('Lost the connection to Fireside. Reconnecting…');
    }
  });
  socket.on('connect_error', function (err) {
    var why = err && err.message && err.message !== 'xhr poll error' && err.message !== 'websocket error'
      ? err.message : 'Is Fireside still running on this laptop?';
    setBanner('Cannot reach Fireside. ' + why + ' Trying again…');
  });

  socket.on(E.CONSOLE, function (payload) {
    data = payload || {};
    render();
    renderWordAfter();
    renderHelpLines();
    // Other scripts of the console (choose.js: "Let the room choose") draw from the same state.
    document.dispatchEvent(new CustomEvent('fireside:console', { detail: data }));
    (data.notices || []).forEach(function (text) {
      if (noticesShown[text]) return;
      noticesShown[text] = true;
      showMessage(text, 'notice');
    });
  });

  socket.on(E.LANGUAGE, function (p) { if (p && p.language !== F.language) window.location.reload(); });
  socket.on(E.COUNT, function (payload) {
    if (!payload) return;
    if (typeof payload.phones === 'number' && data) {
      data.phones = payload.phones;
      renderPhones();
    }
    var item = itemById(payload.item_id);
    if (item && typeof payload.answered === 'number' && item.answered !== payload.answered) {
      item.answered = payload.answered;
      updateAnswered(item);
      if (data && String(data.current) === String(item.id)) {
        announce(plural(item.answered, 'man has', 'men have') + ' responded.');
      }
    }
  });

  /* ---- rendering ---------------------------------------------------------------- */

  function render() {
    var meeting = data && data.meeting;
    var focus = rememberFocus();
    if (!!meeting !== document.body.classList.contains('has-meeting')) window.scrollTo(0, 0);
    document.documentElement.classList.toggle('has-meeting', !!meeting);
    document.body.classList.toggle('has-meeting', !!meeting);
    $('setup').hidden = !!meeting;
    $('meeting').hidden = !meeting;
    $('join-info').hidden = !meeting;
    $('phones-wrap').hidden = !meeting;
    $('end-meeting').hidden = !meeting;
    $('history-link').hidden = !!meeting;
    $('keys-button').hidden = !meeting;
    if (meeting) $('ended-notice').hidden = true;
    // The help lines' setting sits with the notes during a meeting, below the decks before one.
    var helpHome = meeting ? document.querySelector('.col-side') : $('setup');
    if ($('help-settings').parentNode !== helpHome) helpHome.appendChild($('help-settings'));

    if (!meeting) {
      $('meeting-title').textContent = 'No meeting running';
      $('join-code').textContent = '';
      $('join-url').textContent = '';
      renderDecks();
    } else {
      renderHeader(meeting);
      renderPhones();
      renderAgenda();
      renderNow();
      renderModeration();
      renderNotes(meeting);
    }
    restoreFocus(focus);
  }

  // Redrawing replaces buttons; put keyboard focus back on the same action.
  function rememberFocus() {
    var el = document.activeElement;
    if (!el || !el.dataset || !el.dataset.action) return null;
    // The zone is the nearest named container around the control (a checkbox has an id of its own).
    var zone = el.parentElement && el.parentElement.closest('[id]');
    var group = el.closest('.mod-group');
    return { action: el.dataset.action, id: el.dataset.itemId, text: el.dataset.text, zone: zone && zone.id,
      group: group && group.dataset.itemId };
  }

  function restoreFocus(f) {
    if (!f || (document.activeElement && document.activeElement !== document.body)) return;
    var zone = f.zone ? document.getElementById(f.zone) : null;
    var candidates = (zone && zone.isConnected ? zone : document).querySelectorAll('[data-action="' + f.action + '"]');
    for (var i = 0; i < candidates.length; i++) {
      var c = candidates[i];
      if ((f.id === undefined || c.dataset.itemId === f.id) && (f.text === undefined || c.dataset.text === f.text)) {
        c.focus();
        return;
      }
    }
    var near = nearFocus(f);
    if (near) near.focus();
  }

  // The action is gone (Approve became Hide, "Approve all" went away, "Back to waiting"): the
  // nearest control in the same place, so the keyboard never falls back to the top of the page.
  function nearFocus(f) {
    var usable = 'button:not([disabled]), input:not([disabled])';
    if (f.group !== undefined && f.group !== null) {
      var group = $('moderation-list').querySelector('.mod-group[data-item-id="' + f.group + '"]');
      var entry = group && f.text !== undefined && group.querySelector('.mod-entry[data-text="' + cssString(f.text) + '"]');
      var inEntry = entry && entry.querySelector(usable);
      if (inEntry) return inEntry;
      var inGroup = group && group.querySelector(usable);
      if (inGroup) return inGroup;
      var anyGroup = $('moderation-list').querySelector(usable);
      return anyGroup || $('now-heading');
    }
    if (f.zone === 'now-body') return $('now-body').querySelector('button') || $('now-heading');
    if (f.action === 'push') return $('now-heading');
    return null;
  }

  // A text as a quoted CSS attribute value.
  function cssString(text) { return window.CSS && CSS.escape ? CSS.escape(String(text)) : String(text).replace(/["\\]/g, '\\$&'); }

  function renderHeader(meeting) {
    $('meeting-title').textContent = meeting.title || 'Tonight\u2019s meeting';
    $('meeting-title').title = meeting.title || '';  // the whole title, where the bar shows it shortened
    $('join-code').textContent = meeting.code || '';
    $('join-code').setAttribute('aria-label', 'Join code ' + (meeting.code || '').split('').join(' '));
    $('join-url').textContent = meeting.join_url || '';
  }

  function renderPhones() {
    var n = (data && data.phones) || 0;
    $('phones-count').textContent = String(n);
    $('phones-label').textContent = n === 1 ? 'phone here' : 'phones here';
  }

  /* -- setup -- */

  function renderDecks() {
    var decks = (data && data.decks) || [];
    var key = JSON.stringify([decks, (data && data.deck_problems) || []]);
    if (key === lastDecksKey) return;
    lastDecksKey = key;
    var list = $('deck-list');
    var previous = (list.querySelector('input:checked') || {}).value;
    list.textContent = '';
    decks.forEach(function (deck, i) {
      list.appendChild(deckOption(String(deck.id), deck.title || deck.id, deck.summary || '',
        [deck.minutes ? 'about ' + deck.minutes + ' min' : '', typeof deck.items === 'number' ? plural(deck.items, 'item', 'items') : '']
          .filter(Boolean).join(' · '),
        previous ? previous === String(deck.id) : i === 0));
    });
    list.appendChild(deckOption('', 'Empty meeting', 'Start with nothing and add polls on the spot.', '',
      previous === '' || (!previous && decks.length === 0)));

    var problems = (data && data.deck_problems) || [];
    var box = $('deck-problems');
    box.textContent = '';
    box.hidden = problems.length === 0;
    if (problems.length) {
      box.appendChild(h('p', { class: 'deck-problems-title',
        text: problems.length === 1 ? 'One run-sheet could not be read:' : 'Some run-sheets could not be read:' }));
      var ul = h('ul', {});
      problems.forEach(function (p) { ul.appendChild(h('li', { text: String(p) })); });
      box.appendChild(ul);
    }
  }

  function deckOption(value, title, summary, meta, checked) {
    var id = 'deck-' + (value || 'empty').replace(/[^a-zA-Z0-9_-]/g, '_');
    var input = h('input', { type: 'radio', name: 'deck', id: id, value: value, class: 'deck-radio',
      'data-deck-id': value, 'aria-describedby': id + '-summary' });
    input.checked = !!checked;
    return h('div', { class: 'deck' + (value ? '' : ' deck-empty') }, [
      input,
      h('label', { 'for': id, class: 'deck-card' }, [
        h('span', { class: 'deck-title', text: title }),
        meta ? h('span', { class: 'deck-meta', text: meta }) : null,
        h('span', { class: 'deck-summary', id: id + '-summary', text: summary })])]);
  }

  $('start-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var chosen = $('deck-list').querySelector('input:checked');
    var floor = parseInt($('start-floor').value, 10);
    if (!(floor >= LIMITS.floor_min && floor <= LIMITS.floor_max)) {
      showMessage('The privacy floor is at least ' + LIMITS.floor_min + ', so no one can be picked out from a result, ' +
        'and at most ' + LIMITS.floor_max + '.');
      $('start-floor').value = String(floor > LIMITS.floor_max ? LIMITS.floor_max : LIMITS.floor_min);
      $('start-floor').focus();
      return;
    }
    var payload = { deck: chosen && chosen.value ? chosen.value : null, floor: floor };
    if ($('start-live').checked) payload.live_results = true;
    var title = $('start-title').value.trim();
    if (title) payload.title = title;
    act($('start-meeting'), E.START_MEETING, payload).then(function (answer) {
      if (answer.ok) {
        $('start-title').value = '';
        window.scrollTo(0, 0);
        $('main').focus({ preventScroll: true });
      }
    });
  });

  /* -- agenda -- */

  function itemActions(item, isCurrent, where) {
    var buttons = [];
    var id = item.id;
    function btn(action, label, cls, title) {
      buttons.push(h('button', { type: 'button', class: 'btn ' + (cls || 'btn-quiet'),
        'data-action': action, 'data-item-id': id, title: title || null,
        'aria-label': where === 'agenda' ? label + ': ' + item.prompt : null, text: label }));
    }
    if (!isCurrent) {
      var next = nextItem();
      var isNext = next && String(next.id) === String(id);
      btn('push', item.state === 'pending' ? 'Show on phones' : 'Show again', isNext ? 'btn-primary' : 'btn-outline',
        'Show this on every phone and on the projector');
    }
    if (isPoll(item)) {
      if (item.state === 'open') {
        btn('close', 'Close', 'btn-quiet', 'Stop taking answers, without showing the result');
        btn('reveal', 'Reveal', isCurrent ? 'btn-primary' : 'btn-quiet', 'Show the result to the room; the poll locks');
      } else if (item.state === 'closed') {
        btn('open', 'Open', 'btn-quiet', 'Take answers again');
        btn('reveal', 'Reveal', isCurrent ? 'btn-primary' : 'btn-quiet', 'Show the result to the room; the poll locks');
      } else if (item.state === 'revealed') {
        btn('reopen', 'Reopen', 'btn-quiet', 'Take answers again after the result was shown');
      }
    }
    return buttons;
  }

  var lastCurrent = null;

  function renderAgenda() {
    var list = $('agenda');
    var agenda = data.agenda || [];
    list.textContent = '';
    var done = 0;
    agenda.forEach(function (item, i) {
      if (item.state !== 'pending') done++;
      list.appendChild(agendaItem(item, i + 1));
    });
    var minutes = agenda.reduce(function (sum, it) { return sum + (Number(it.minutes) || 0); }, 0);
    $('agenda-meta').textContent = agenda.length
      ? plural(agenda.length, 'item', 'items') + (minutes ? ' · about ' + minutes + ' min' : '') + ' · ' + done + ' used'
      : '';
    if (String(data.current) !== String(lastCurrent)) {
      lastCurrent = data.current;
      var current = list.querySelector('li.is-current');
      if (current && current.scrollIntoView) current.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
    if (!agenda.length) {
      list.appendChild(h('li', { class: 'agenda-empty' }, [
        h('p', { text: 'The agenda is empty. Add a poll or a discussion prompt below — it can go to the phones at once.' })]));
    }
  }

  function agendaItem(item, number) {
    var isCurrent = data.current !== null && data.current !== undefined && String(data.current) === String(item.id);
    var details = itemDetails(item);
    var li = h('li', {
      class: 'item' + (isCurrent ? ' is-current' : '') + ' state-' + item.state,
      'data-item-id': item.id, 'data-state': item.state, 'data-kind': item.kind,
      'aria-current': isCurrent ? 'true' : null
    }, [
      h('div', { class: 'item-head' }, [
        h('span', { class: 'item-number', 'aria-hidden': 'true', text: String(number) }),
        h('span', { class: 'badge badge-kind', text: KIND_LABELS[item.kind] || item.kind }),
        h('span', { class: 'badge badge-state state-' + item.state, 'data-role': 'state', text: STATE_LABELS[item.state] || item.state }),
        isCurrent ? h('span', { class: 'badge badge-now', text: 'On phones now' }) : null,
        item.minutes ? h('span', { class: 'item-minutes', text: item.minutes + ' min' }) : null]),
      h('p', { class: 'item-prompt', text: item.prompt }),
      details ? h('p', { class: 'item-details', text: details }) : null,
      item.note ? h('p', { class: 'item-note' }, [h('span', { class: 'sr-only', text: 'Your note: ' }), item.note]) : null,
      isCheckout(item, number - 1, (data.agenda || []).length) ? helpNote() : null]);

    var foot = h('div', { class: 'item-foot' });
    foot.appendChild(isPoll(item)
      ? h('p', { class: 'item-answered', 'data-role': 'answered', 'data-item-id': item.id }, [
          h('span', { class: 'answered-count', 'data-role': 'answered-count', text: String(item.answered || 0) }),
          ' responded'])
      : h('p', { class: 'item-answered' }));
    var actions = h('div', { class: 'item-actions' });
    itemActions(item, isCurrent, 'agenda').forEach(function (b) { actions.appendChild(b); });
    foot.appendChild(actions);
    li.appendChild(foot);
    return li;
  }

  function itemDetails(item) {
    if ((item.kind === 'choice' || item.kind === 'multi') && item.options) {
      var alone = item.exclusive || [];
      return (item.kind === 'multi' && item.max ? 'Up to ' + item.max + ': ' : '') + item.options.map(function (o, i) {
        return alone.indexOf(i) >= 0 ? o + ' (on its own)' : o;
      }).join(' · ');
    }
    if (item.kind === 'scale' && item.scale) {
      var s = item.scale;
      return s.min + (s.min_label ? ' (' + s.min_label + ')' : '') + ' to ' + s.max + (s.max_label ? ' (' + s.max_label + ')' : '');
    }
    if (item.kind === 'compass' && item.axes) {
      return 'Across: ' + item.axes.x + ' · Up: ' + item.axes.y;
    }
    if (item.kind === 'words') {
      return (item.max_words ? 'Up to ' + plural(item.max_words, 'word', 'words') + '. ' : '') + REVIEW_WHEN;
    }
    if (item.kind === 'text') return REVIEW_WHEN;
    return '';
  }

  function updateAnswered(item) {
    var nodes = document.querySelectorAll('[data-role="answered-count"]');
    for (var i = 0; i < nodes.length; i++) {
      var wrap = nodes[i].closest('[data-item-id]');
      if (wrap && String(wrap.dataset.itemId) === String(item.id)) nodes[i].textContent = String(item.answered || 0);
    }
  }

  /* -- now panel -- */

  function isModerated(item) { return !!item && config.schema.moderated_kinds.indexOf(item.kind) >= 0; }

  function countHint(item) {
    if (isModerated(item)) return 'Nothing reaches you while the poll is open. Close it: the answers arrive under \u201cAnswers to review\u201d, you approve what the room may see, then reveal.';
    if (data.meeting && data.meeting.live_results) {
      return 'Live results: the room\u2019s picture updates after every ' + data.meeting.floor + ' new answers.';
    }
    return 'The room sees only this number until you reveal.';
  }

  function nextItem() {
    var agenda = data.agenda || [];
    if (data.current !== null && data.current !== undefined) {
      for (var i = 0; i < agenda.length - 1; i++) {
        if (String(agenda[i].id) === String(data.current)) return agenda[i + 1];
      }
      return null;
    }
    for (var j = 0; j < agenda.length; j++) {
      if (agenda[j].state === 'pending') return agenda[j];
    }
    return null;
  }

  function renderNow() {
    var body = $('now-body');
    var item = itemById(data.current);
    var next = nextItem();
    body.textContent = '';
    $('now').classList.toggle('is-live', !!item);

    drawResultIfChanged(item);

    if (!item) {
      body.appendChild(h('p', { class: 'now-waiting', text: 'The phones are waiting and the projector shows the join code.' }));
      if (next) {
        body.appendChild(h('p', { class: 'now-next-label' }, ['Next: ', h('span', { class: 'now-next-prompt', text: next.prompt })]));
        body.appendChild(h('div', { class: 'now-actions' }, [
          h('button', { type: 'button', class: 'btn btn-primary btn-big', 'data-action': 'push', 'data-item-id': next.id,
            'data-role': 'push-next', text: 'Show the next item' })]));
      } else {
        body.appendChild(h('p', { class: 'hint', text: 'Show an item from the agenda, or add a poll below it.' }));
      }
      return;
    }

    body.appendChild(h('div', { class: 'now-badges' }, [
      h('span', { class: 'badge badge-kind', text: KIND_LABELS[item.kind] || item.kind }),
      h('span', { class: 'badge badge-state state-' + item.state, text: STATE_LABELS[item.state] || item.state })]));
    body.appendChild(h('p', { class: 'now-prompt', id: 'now-prompt', text: item.prompt }));

    if (isPoll(item)) {
      body.appendChild(h('p', { class: 'now-count', 'data-item-id': item.id, 'data-testid': 'now-answered' }, [
        h('span', { class: 'now-count-number', 'data-role': 'answered-count', text: String(item.answered || 0) }),
        // Everyone who responded, passes too; "answered" is kept for real answers (the result's caption).
        h('span', { class: 'now-count-label', text: ' responded' }),
        item.state === 'open' ? h('span', { class: 'now-count-hint', text: countHint(item) }) : null]));
    }
    if (isModerated(item) && item.state === 'closed' && !((data.pending || {})[item.id] || []).length) {
      body.appendChild(h('p', { class: 'hint now-hint', text: 'Fewer than ' + data.meeting.floor +
        ' men wrote something, so there is nothing to review, and the room will not see any of it.' }));
    }

    var actions = h('div', { class: 'now-actions' });
    var buttons = itemActions(item, true, 'now');
    var main = isModerated(item) && item.state === 'open' ? 'close' : 'reveal';
    // The next step first: Tab from the heading lands on it, before the other choices.
    buttons.sort(function (a, b) { return (b.dataset.action === main) - (a.dataset.action === main); });
    buttons.forEach(function (b) {
      if (b.dataset.action === main) {
        b.classList.remove('btn-quiet');
        b.classList.add('btn-primary');
      } else if (b.classList.contains('btn-primary')) {
        b.classList.remove('btn-primary');
        b.classList.add('btn-quiet');
      }
      actions.appendChild(b);
    });
    actions.appendChild(h('button', { type: 'button', class: 'btn btn-quiet', 'data-action': 'clear',
      title: 'Take this off the phones; the projector shows the join code again', text: 'Back to waiting' }));
    if (next) {
      var nextIsMain = !isPoll(item) || item.state === 'revealed';
      actions.appendChild(h('button', { type: 'button', class: 'btn ' + (nextIsMain ? 'btn-primary' : 'btn-quiet'),
        'data-action': 'push', 'data-item-id': next.id,
        'data-role': 'push-next', title: 'Next: ' + next.prompt, text: 'Next item \u2192' }));
    }
    body.appendChild(actions);
  }

  // The chart lives outside the redrawn part, and is drawn again only when the result changes.
  function drawResultIfChanged(item) {
    var box = $('now-result');
    var picture = item && item.result && (item.state === 'revealed' || (item.state === 'open' && item.result.live));
    var key = picture ? JSON.stringify([item.id, item.result]) : '';
    if (key === lastResultKey) return;
    lastResultKey = key;
    box.textContent = '';
    $('now-result-wrap').hidden = !key;
    if (key) drawResult(box, item);
  }

  function drawResult(container, item) {
    var r = item.result;
    container.textContent = '';
    if (r && r.shown === false) {
      var real = (r.answered || 0) - (r.passed || 0);
      container.appendChild(h('div', { class: 'floor-note' }, [
        h('p', { class: 'floor-title', text: 'Not enough answers to show a result' }),
        h('p', { text: (real || r.passed
          ? 'Only ' + plural(real, 'man', 'men') + ' answered' + (r.passed ? ' and ' + r.passed + ' passed' : '') + '. '
          : 'Nobody has answered yet. ') +
          'The privacy floor is ' + r.floor + ', so nobody sees a picture — it could point to someone.' })]));
      return;
    }
    if (window.FiresideResults && typeof window.FiresideResults.render === 'function') {
      try {
        window.FiresideResults.render(container, item);
        return;
      } catch (e) {
        container.textContent = '';
      }
    }
    container.appendChild(plainResult(item));
  }

  /* A plain text picture of a result, if the shared chart renderer is not available. */
  function plainResult(item) {
    var r = item.result || {};
    var list = h('ul', { class: 'plain-result' });
    function row(label, n) { list.appendChild(h('li', {}, [h('span', { text: label }), h('b', { text: String(n) })])); }
    if (r.counts && item.options) item.options.forEach(function (o, i) { row(o, r.counts[i] || 0); });
    else if (r.counts && item.scale) r.counts.forEach(function (n, i) { row(String(item.scale.min + i), n); });
    else if (r.quadrants) Object.keys(r.quadrants).forEach(function (q) { row(q, r.quadrants[q]); });
    else if (r.words) r.words.forEach(function (w) { row(w.word, w.count); });
    else if (r.texts) r.texts.forEach(function (t) { list.appendChild(h('li', { text: t })); });
    return list;
  }

  /* -- moderation -- */

  function renderModeration() {
    var pending = data.pending || {};
    var ids = Object.keys(pending).filter(function (id) { return (pending[id] || []).length; });
    // The current item first, then agenda order.
    var order = (data.agenda || []).map(function (it) { return String(it.id); });
    ids.sort(function (a, b) {
      if (String(data.current) === a) return -1;
      if (String(data.current) === b) return 1;
      return order.indexOf(a) - order.indexOf(b);
    });
    var section = $('moderation');
    var box = $('moderation-list');
    section.hidden = ids.length === 0;
    box.textContent = '';
    ids.forEach(function (id) {
      var item = itemById(id);
      var waiting = pending[id].filter(function (e) { return !e.approved; }).length;
      var group = h('div', { class: 'mod-group', 'data-item-id': id }, [
        h('div', { class: 'mod-head' }, [
          h('h3', { class: 'mod-prompt', text: item ? item.prompt : 'Item ' + id }),
          waiting > 1 ? h('button', { type: 'button', class: 'btn btn-outline btn-small', 'data-action': 'approve-all',
            'data-item-id': id, text: 'Approve all ' + waiting }) : null])]);
      var later = item && item.result && window.FiresideResults && window.FiresideResults.waitingText(item.result.waiting);
      if (later) {
        group.appendChild(h('p', { class: 'hint mod-waiting', text: 'This list is from when the poll closed. ' +
          later.charAt(0).toUpperCase() + later.slice(1) + ', so that no one\u2019s words stand out.' }));
      }
      var ul = h('ul', { class: 'mod-list' });
      pending[id].forEach(function (entry) {
        // Named by the entry, not its place, so a redraw never ties a box to another sentence.
        var checkId = 'export-' + id + '-' + textKey(entry.text);
        var checkbox = h('input', { type: 'checkbox', id: checkId, 'data-action': 'export', 'data-item-id': id,
          'data-text': entry.text, 'aria-describedby': entry.approved ? null : checkId + '-why' });
        checkbox.checked = !!entry.export;
        // Only what the room saw can go into the summary: an unapproved entry's box waits, and says why.
        checkbox.disabled = !entry.approved;
        ul.appendChild(h('li', { class: 'mod-entry' + (entry.approved ? ' is-approved' : ''), 'data-item-id': id, 'data-text': entry.text }, [
          h('p', { class: 'mod-text' }, [
            h('span', { class: 'mod-words', text: entry.text }),
            entry.count > 1 ? h('span', { class: 'mod-count', text: '\u00d7' + entry.count, 'aria-label': entry.count + ' times' }) : null]),
          h('p', { class: 'mod-status', id: entry.approved ? null : checkId + '-why',
            text: entry.approved ? 'Approved — the room can see it'
              : 'Not shown. Only what the room saw can go into the export: approve it first.' }),
          h('div', { class: 'mod-actions' }, [
            entry.approved
              ? h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'hide', 'data-item-id': id,
                  'data-text': entry.text, 'aria-label': 'Hide “' + entry.text + '”', text: 'Hide' })
              : h('button', { type: 'button', class: 'btn btn-outline btn-small', 'data-action': 'approve', 'data-item-id': id,
                  'data-text': entry.text, 'aria-label': 'Approve “' + entry.text + '”', text: 'Approve' }),
            h('label', { class: 'check check-small' + (entry.approved ? '' : ' is-disabled'), 'for': checkId },
              [checkbox, h('span', { text: 'Include in export' })])])]));
      });
      group.appendChild(ul);
      box.appendChild(group);
    });
  }

  // A short stable name for an entry's text, for element ids.
  function textKey(text) {
    var hash = 5381;
    for (var i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
    return hash.toString(36);
  }

  function entryFor(itemId, text) {
    var list = (data.pending || {})[itemId] || [];
    for (var i = 0; i < list.length; i++) if (list[i].text === text) return list[i];
    return null;
  }

  $('moderation-list').addEventListener('click', function (ev) {
    var button = ev.target.closest('button[data-action]');
    if (!button) return;
    var itemId = button.dataset.itemId;
    var text = button.dataset.text;
    if (button.dataset.action === 'approve-all') {
      approveAll(button, itemId);
      return;
    }
    var entry = entryFor(itemId, text) || {};
    act(button, E.MODERATE, {
      item_id: Number(itemId), text: text,
      approved: button.dataset.action === 'approve', export: !!entry.export
    });
  });

  // One event for every entry not yet approved, exactly those the facilitator sees: the room's
  // picture changes once, not once per entry.
  function approveAll(button, itemId) {
    var texts = ((data.pending || {})[itemId] || []).filter(function (e) { return !e.approved; })
      .map(function (e) { return e.text; });
    if (texts.length) act(button, E.MODERATE_ALL, { item_id: Number(itemId), texts: texts });
  }

  $('moderation-list').addEventListener('change', function (ev) {
    var box = ev.target;
    if (!box.matches('input[data-action="export"]')) return;
    var entry = entryFor(box.dataset.itemId, box.dataset.text) || {};
    send(E.MODERATE, { item_id: Number(box.dataset.itemId), text: box.dataset.text, approved: !!entry.approved, export: box.checked })
      .then(function (answer) { if (!answer.ok) box.checked = !box.checked; });
  });

  /* -- "I'd like a word after": only a count, drawn when the server allows it (docs/privacy.md) -- */

  function renderWordAfter() {
    var n = (data && data.word_after) || 0;
    var line = $('word-after-line');
    var text = n ? plural(n, 'man', 'men') + ' would like a word after the meeting.' : '';
    if (line.textContent !== text) line.textContent = text;
    line.hidden = !n;
  }

  /* -- help lines: set once, kept in the data folder -- */

  var helpKey = null;
  var HELP_REMINDER = 'fireside:help-reminder-dismissed';
  function helpText(lines) {
    return lines.map(function (l) { return l.label + ': ' + l.contact; }).join('\n');
  }
  function renderHelpLines() {
    var lines = (data && data.help_lines) || [];
    var key = JSON.stringify(lines);
    if (key === helpKey) return;
    var first = helpKey === null;
    helpKey = key;
    if (document.activeElement !== $('help-lines-input')) $('help-lines-input').value = helpText(lines);
    $('help-settings-state').textContent = lines.length ? '(' + plural(lines.length, 'line', 'lines') + ' set)' : '(none set)';
    if (first && !lines.length && !dismissedReminder()) remindHelpLines();
    if (lines.length) $('help-reminder').hidden = true;
  }
  function dismissedReminder() {
    try { return window.localStorage.getItem(HELP_REMINDER) === '1'; } catch (e) { return false; }
  }
  // Once, until he dismisses it: phones without help lines can only tell a man to ask him.
  function remindHelpLines() { $('help-reminder').hidden = false; }
  $('help-reminder-close').addEventListener('click', function () {
    $('help-reminder').hidden = true;
    try { window.localStorage.setItem(HELP_REMINDER, '1'); } catch (e) { /* private mode */ }
  });
  $('help-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var lines = [];
    var bad = null;
    $('help-lines-input').value.split('\n').forEach(function (row) {
      if (!row.trim()) return;
      var at = row.indexOf(':');
      if (at < 1 || !row.slice(at + 1).trim()) { bad = bad || row.trim(); return; }
      lines.push({ label: row.slice(0, at).trim(), contact: row.slice(at + 1).trim() });
    });
    if (bad) { showMessage('\u201c' + bad + '\u201d is not a help line. Write it as Label: number or address.'); return; }
    act($('help-save'), E.SET_HELP_LINES, { lines: lines }).then(function (answer) {
      if (answer.ok) showMessage(lines.length ? 'Help lines saved. Phones show them now.' : 'Help lines cleared.', 'ok');
    });
  });

  // The check-out note (the last item, or any whose id starts with "checkout") carries the help lines.
  function isCheckout(item, index, count) {
    return index === count - 1 || String(item.key || '').indexOf('checkout') === 0;
  }
  function helpNote() {
    var lines = (data && data.help_lines) || [];
    return h('div', { class: 'item-help' }, [
      h('p', { class: 'item-help-title', text: 'Help lines to mention as the evening closes:' }),
      lines.length
        ? h('ul', null, lines.map(function (l) { return h('li', { text: l.label + ': ' + l.contact }); }))
        : h('p', { text: 'None set: add your local crisis line under \u201cHelp lines\u201d on this page.' })]);
  }

  /* -- notes -- */

  function renderNotes(meeting) {
    var notes = $('notes');
    if (!notesDirty && document.activeElement !== notes && notes.value !== (meeting.notes || '')) {
      notes.value = meeting.notes || '';
    }
  }

  function saveNotes() {
    notesTimer = null;
    var value = $('notes').value;
    $('notes-status').textContent = 'Saving…';
    send(E.SET_NOTES, { notes: value }).then(function (answer) {
      if (answer.ok) {
        if ($('notes').value === value) notesDirty = false;
        $('notes-status').textContent = 'Saved.';
      } else {
        $('notes-status').textContent = 'Not saved.';
      }
    });
  }

  $('notes').addEventListener('input', function () {
    notesDirty = true;
    $('notes-status').textContent = '';
    if (notesTimer) clearTimeout(notesTimer);
    notesTimer = setTimeout(saveNotes, NOTES_DELAY_MS);
  });
  $('notes').addEventListener('blur', function () {
    if (notesTimer) { clearTimeout(notesTimer); saveNotes(); }
  });

  /* -- add a poll -- */

  function syncAddForm() {
    var kind = $('add-kind').value;
    var parts = document.querySelectorAll('#add-form [data-for-kinds]');
    for (var i = 0; i < parts.length; i++) {
      var on = parts[i].dataset.forKinds.split(' ').indexOf(kind) >= 0;
      parts[i].hidden = !on;
    }
    $('add-prompt').previousElementSibling.textContent = config.schema.poll_kinds.indexOf(kind) >= 0 ? 'Question' : 'Prompt';
  }
  $('add-kind').addEventListener('change', syncAddForm);
  syncAddForm();

  $('add-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var kind = $('add-kind').value;
    var prompt = $('add-prompt').value.trim();
    if (!prompt) {
      showMessage('Please write the question first.');
      $('add-prompt').focus();
      return;
    }
    var payload = { kind: kind, prompt: prompt, push: $('add-push').checked };
    if (takes(kind, 'options')) {
      var options = $('add-options').value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean);
      if (options.length < LIMITS.options_min) {
        showMessage('Please give at least ' + LIMITS.options_min + ' options, one per line.');
        $('add-options').focus();
        return;
      }
      payload.options = options;
      if (takes(kind, 'max')) {
        var max = parseInt($('add-max').value, 10);
        payload.max = Math.max(1, Math.min(isNaN(max) ? 1 : max, options.length));
      }
    } else if (takes(kind, 'scale_min')) {
      var lo = parseInt($('add-scale-min').value, 10);
      var hi = parseInt($('add-scale-max').value, 10);
      if (isNaN(lo) || isNaN(hi) || hi <= lo) {
        showMessage('The highest point of the scale must be above the lowest.');
        $('add-scale-max').focus();
        return;
      }
      if (hi - lo + 1 > LIMITS.scale_points_max) {
        showMessage('A scale can have at most ' + LIMITS.scale_points_max + ' points, for example 0 to ' +
          (LIMITS.scale_points_max - 1) + '.');
        $('add-scale-max').focus();
        return;
      }
      payload.scale_min = lo;
      payload.scale_max = hi;
      var minLabel = $('add-scale-min-label').value.trim();
      var maxLabel = $('add-scale-max-label').value.trim();
      if (minLabel) payload.min_label = minLabel;
      if (maxLabel) payload.max_label = maxLabel;
    } else if (takes(kind, 'max_words')) {
      var words = parseInt($('add-max-words').value, 10);
      if (!isNaN(words)) payload.max_words = words;
    }
    act($('add-submit'), E.ADD_ITEM, payload).then(function (answer) {
      if (!answer.ok) return;
      $('add-prompt').value = '';
      $('add-options').value = '';
      announce(payload.push ? 'Added, and on the phones now.' : 'Added to the end of the agenda.');
      $('add-prompt').focus();
    });
  });

  /* -- item actions (agenda and now panel) -- */

  function onItemAction(ev) {
    var button = ev.target.closest('button[data-action]');
    if (!button) return;
    var action = button.dataset.action;
    var id = button.dataset.itemId !== undefined ? Number(button.dataset.itemId) : null;
    switch (action) {
      case 'push':
        // On the heading of what is on the phones now, not on a button a second Enter would press.
        act(button, E.PUSH_ITEM, { item_id: id }).then(function (answer) {
          if (answer.ok) $('now-heading').focus();
        });
        break;
      case 'open': reopen(button, id, E.OPEN_POLL, 'Open this poll again?', 'Open it again'); break;
      case 'close': act(button, E.CLOSE_POLL, { item_id: id }); break;
      case 'reveal': act(button, E.REVEAL_POLL, { item_id: id }); break;
      case 'clear': act(button, E.CLEAR_ITEM, {}); break;
      case 'reopen': reopen(button, id, E.REOPEN_POLL, 'Reopen this poll?', 'Reopen the poll'); break;
      default: break;
    }
  }
  $('agenda').addEventListener('click', onItemAction);
  $('now-body').addEventListener('click', onItemAction);

  // Ask once without confirm; when the room (or the review list) has seen answers, the server
  // explains the risk, and only then is the poll opened again for real.
  function reopen(button, id, event, title, okLabel) {
    act(button, event, { item_id: id }, { quiet: true }).then(function (answer) {
      if (answer.ok || answer.error === 'busy' || answer.error === 'timeout' || answer.error === 'not connected') return;
      var explanation = answer.error || 'The room has already seen this result.';
      // The server asks a question when only a confirmation is missing; anything else is a plain refusal.
      if (!answer.needs_confirm && !/\?\s*$/.test(explanation)) {
        showMessage(explanation);
        return;
      }
      confirmDialog(title, explanation, okLabel).then(function (yes) {
        if (yes) act(null, event, { item_id: id, confirm: true });
      });
    });
  }

  /* -- keyboard shortcuts -- */

  // One key per next step of the evening (listed in the `?` overlay). None acts while he types
  // in a field, with a modifier held, or while a dialog is open.
  var SHORTCUTS = {
    n: function () { return clickNow('[data-role="push-next"]', 'Nothing comes next on the agenda.'); },
    o: function () {
      return clickNow('[data-action="close"], [data-action="open"]', 'Nothing on the phones now can be closed or opened.');
    },
    r: function () { return clickNow('[data-action="reveal"]', 'Nothing on the phones now can be revealed.'); },
    w: function () { return clickNow('[data-action="clear"]', 'The phones are already waiting.'); },
    p: function () { window.open($('screen-link').href, 'fireside-screen'); }
  };

  // Press a button of the "On the phones now" panel, or say why there is none.
  function clickNow(selector, none) {
    var button = $('now-body').querySelector(selector);
    if (button) button.click();
    else showMessage(none, 'ok');
  }

  function typing(target) {
    return !!target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function showKeys() {
    var dialog = $('keys-dialog');
    if (typeof dialog.showModal !== 'function' || dialog.open) return;
    var before = document.activeElement;
    dialog.addEventListener('close', function onClose() {
      dialog.removeEventListener('close', onClose);
      if (before && before.isConnected && before.focus) before.focus();
    });
    dialog.showModal();
    $('keys-close').focus();
  }

  document.addEventListener('keydown', function (ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    if (document.querySelector('dialog[open]')) return;
    if (!data || !data.meeting) return;
    if (ev.key === '?') {
      ev.preventDefault();
      showKeys();
      return;
    }
    var run = SHORTCUTS[ev.key];
    if (!run || ev.repeat) return;
    ev.preventDefault();
    run();
  });
  $('keys-button').addEventListener('click', showKeys);

  /* -- the co-facilitator -- */

  // Only the laptop itself invites or revokes; a co-facilitator's own device does not see this.
  if (config.key) $('cofacilitator').hidden = true;

  function showInvite(answer) {
    $('cofac-qr').src = answer.qr_url + '?v=' + Date.now();  // a new key draws a new code
    $('cofac-url').textContent = answer.url;
    $('cofac-shown').hidden = false;
    $('cofac-invite').hidden = true;
  }

  function hideInvite() {
    $('cofac-shown').hidden = true;
    $('cofac-qr').removeAttribute('src');
    $('cofac-url').textContent = '';
    $('cofac-invite').hidden = false;
  }

  function dropped(n) {
    return n ? ' ' + plural(n, 'device', 'devices') + ' with the old link ' + (n === 1 ? 'was' : 'were') + ' disconnected.' : '';
  }

  $('cofac-invite').addEventListener('click', function () {
    act($('cofac-invite'), E.INVITE_COFACILITATOR, {}).then(function (answer) {
      if (!answer.ok) return;
      showInvite(answer);
      $('cofac-status').textContent = 'Scan the code with his device. Hide it when he is in.';
      $('cofac-hide').focus();
    });
  });
  $('cofac-hide').addEventListener('click', function () {
    hideInvite();
    $('cofac-status').textContent = '';
    $('cofac-invite').focus();
  });
  $('cofac-new').addEventListener('click', function () {
    act($('cofac-new'), E.INVITE_COFACILITATOR, { new_key: true }).then(function (answer) {
      if (!answer.ok) return;
      showInvite(answer);
      $('cofac-status').textContent = 'A new link: the old one no longer works.' + dropped(answer.disconnected);
    });
  });
  $('cofac-revoke').addEventListener('click', function () {
    confirmDialog('Revoke the co-facilitator?', [
      'The link stops working and any device that opened it is disconnected at once.',
      'You can invite him again with a new link.'
    ], 'Revoke', 'danger').then(function (yes) {
      if (!yes) return;
      act($('cofac-revoke'), E.REVOKE_COFACILITATOR, {}).then(function (answer) {
        if (!answer.ok) return;
        hideInvite();
        $('cofac-status').textContent = 'Revoked: no co-facilitator link works now.' + dropped(answer.disconnected);
        $('cofac-revoke').focus();
      });
    });
  });

  /* -- end meeting -- */

  $('end-meeting').addEventListener('click', function () {
    confirmDialog('End the meeting?', [
      'Every poll is reduced to its totals (only where enough men answered), and the raw answers are deleted for good.',
      'The join code stops working and the phones are told the meeting is over. This cannot be undone.'
    ], 'End the meeting', 'danger').then(function (yes) {
      if (!yes) return;
      var endedId = data && data.meeting && data.meeting.id;
      act($('end-meeting'), E.END_MEETING, {}).then(function (answer) {
        if (!answer.ok) return;
        if (endedId !== undefined && endedId !== null) {
          $('ended-summary').href = withKey('/facilitator/summary/' + encodeURIComponent(endedId));
          ['html', 'md', 'csv', 'json'].forEach(function (format) {
            $('download-' + format).href = withKey('/facilitator/export/' + encodeURIComponent(endedId) + '.' + format);
          });
          $('ended-notice').hidden = false;
        }
        announce('The meeting has ended.');
        window.scrollTo(0, 0);
        $('main').focus({ preventScroll: true });
      });
    });
  });

  /* -- links keep the key for a co-facilitator's device -- */
  function withKey(url) {
    return config.key ? url + (url.indexOf('?') < 0 ? '?' : '&') + 'key=' + encodeURIComponent(config.key) : url;
  }
  $('screen-link').href = withKey($('screen-link').getAttribute('href'));
  $('history-link').href = withKey($('history-link').getAttribute('href'));
  $('evenings-link').href = withKey($('evenings-link').getAttribute('href'));
  window.FiresideConsole = { send: send, act: act };
}());
