/* Fireside — the facilitator console. Plain ES2017, no build step.
 *
 * The server sends the whole picture in `console` events and live counts in `count`
 * events (docs/protocol.md). This script redraws the changing parts from that picture,
 * and keeps what the facilitator is typing (the add form, the notes) untouched.
 */
(function () {
  'use strict';

  var F = window.Fireside;
  var $ = F.$, h = F.h, t = F.t, nt = F.nt;
  var config = F.config;
  var E = config.events;
  var KIND_LABELS = config.schema.kind_labels;
  var LIMITS = config.schema.limits;
  // English says "Open" for a poll's state and for the button that opens it; other languages may not,
  // so the state has a sentence of its own, whose bracketed meaning English never shows.
  function bare(said) { return said.replace(/ \[[^\]]*\]$/, ''); }
  var STATE_LABELS = {
    pending: t('Not shown yet'),
    // Translators: a poll's state, on a badge: it takes answers now. Leave out the brackets.
    open: bare(t('Open [a poll that takes answers now]')),
    closed: t('Closed'), revealed: t('Revealed'), shown: t('Shown')
  };
  // What really happens to words and sentences, whatever a deck's note says (docs/privacy.md).
  var REVIEW_WHEN = t('Answers reach your review list when you close the poll, not as they arrive.');
  var LANGUAGES = config.languages || {};  // {code: the language's name in itself}
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
      h('button', { type: 'button', class: 'message-close', 'aria-label': t('Dismiss this message'), text: '×' })]);
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
        showMessage(t('Not connected to Fireside right now, so nothing was changed. It reconnects by itself; try again in a moment.'));
        resolve({ ok: false, error: 'not connected' });
        return;
      }
      socket.timeout(ACK_TIMEOUT_MS).emit(event, payload || {}, function (err, answer) {
        if (err) {
          showMessage(t('Fireside did not answer in time. Check that it is still running on this laptop, then try again.'));
          resolve({ ok: false, error: 'timeout' });
          return;
        }
        answer = answer || { ok: false, error: t('Fireside gave no answer.') };
        if (!answer.ok && !options.quiet) {
          showMessage(sentence(answer.error) || t('That did not work, and nothing was changed.'));
        }
        resolve(answer);
      });
    });
  }

  // Disable the clicked button while its action is on the way, to avoid double sends.
  function act(button, event, payload, options) {
    if (busy) return Promise.resolve({ ok: false, error: 'busy' });
    busy = true;
    // On the button, and on the page's main region, which outlives the button: a new state can
    // redraw the panel before the answer comes, and until it comes no other action is taken.
    if (button) button.setAttribute('aria-busy', 'true');
    $('main').setAttribute('aria-busy', 'true');
    return send(event, payload, options).then(function (answer) {
      busy = false;
      if (button) button.removeAttribute('aria-busy');
      $('main').removeAttribute('aria-busy');
      return answer;
    });
  }

  /* ---- confirm dialog ----------------------------------------------------------- */

  // tone: 'danger' (a red Yes), 'back' (going back is the main button, Yes a quiet one), else a plain Yes.
  // extra: {label, then}, a quiet third way out; choosing it calls then() and answers no.
  function confirmDialog(title, paragraphs, okLabel, tone, cancelLabel, extra) {
    var dialog = $('confirm-dialog');
    $('confirm-title').textContent = title;
    var text = $('confirm-text');
    text.textContent = '';
    (Array.isArray(paragraphs) ? paragraphs : [paragraphs]).forEach(function (p) {
      text.appendChild(h('p', { text: p }));
    });
    var ok = $('confirm-ok');
    ok.textContent = okLabel || t('Yes');
    ok.className = 'btn ' + (tone === 'danger' ? 'btn-danger-solid' : tone === 'back' ? 'btn-outline' : 'btn-primary');
    $('confirm-cancel').textContent = cancelLabel || t('Cancel');
    $('confirm-cancel').className = 'btn ' + (tone === 'back' ? 'btn-primary' : 'btn-quiet');
    $('confirm-extra').textContent = extra ? extra.label : '';
    $('confirm-extra').hidden = !extra;
    return new Promise(function (resolve) {
      if (typeof dialog.showModal !== 'function') {
        resolve(window.confirm(title + '\n\n' + text.textContent));
        return;
      }
      dialog.returnValue = '';
      dialog.addEventListener('close', function onClose() {
        dialog.removeEventListener('close', onClose);
        if (extra && dialog.returnValue === 'extra') extra.then();
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
      setBanner(t('Fireside closed this connection. Reload the page to reconnect.'));
    } else {
      setBanner(t('Lost the connection to Fireside. Reconnecting…'));
    }
  });
  socket.on('connect_error', function (err) {
    // The server's refusal is a sentence in the meeting's language; the transport's own errors are not.
    var why = err && err.message && err.message !== 'xhr poll error' && err.message !== 'websocket error'
      ? err.message : t('Is Fireside still running on this laptop?');
    setBanner(t('Cannot reach Fireside. %(why)s Trying again…', { why: why }));
  });

  socket.on(E.CONSOLE, function (payload) {
    data = payload || {};
    if (stalePage()) return;
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
        announce(nt('%(num)s man has responded.', '%(num)s men have responded.', item.answered));
      }
    }
  });

  /* ---- the meeting's language ---------------------------------------------------- */

  // The language everyone is spoken to in now: the running meeting's, else the next one's.
  function meetingLanguage() { return (data && data.language) || F.language; }

  // A language's name in the page's own language, for a sentence ("Spanish", "español").
  function languageName(code) {
    try {
      var name = window.Intl && Intl.DisplayNames && new Intl.DisplayNames([F.language], { type: 'language' }).of(code);
      if (name && name !== code) return name;
    } catch (e) { /* an engine without Intl.DisplayNames */ }
    return LANGUAGES[code] || code;
  }

  var RELOADED = 'fireside:console-reloaded-for';
  var FOCUS = 'fireside:console-focus';

  function remember(key, value) {
    try { window.sessionStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }
  function recall(key) {
    try { var value = window.sessionStorage.getItem(key); window.sessionStorage.removeItem(key); return value; } catch (e) { return null; }
  }

  // A page made before the language changed (a device that slept through the change) reloads in the
  // new one, once: should the server still disagree after that, the page stays rather than loop.
  var reloadedFor = recall(RELOADED);
  function stalePage() {
    if (!data.language || data.language === F.language || data.language === reloadedFor) return false;
    remember(RELOADED, data.language);
    window.location.reload();
    return true;
  }

  // After a reload for a new language, the keyboard is back on the select that asked for it.
  var focusAfterReload = recall(FOCUS);
  function restoreLanguageFocus() {
    if (!focusAfterReload) return;
    var select = $(focusAfterReload);
    focusAfterReload = null;
    if (select && select.offsetParent !== null) select.focus();
  }

  var languagePending = false;
  function renderLanguage() {
    if (languagePending) return;
    ['setup-language', 'meeting-language'].forEach(function (id) {
      if ($(id).value !== meetingLanguage()) $(id).value = meetingLanguage();
    });
  }

  function chooseLanguage(select) {
    var code = select.value;
    if (code === meetingLanguage()) return;
    var running = !!(data && data.meeting);
    languagePending = true;
    var asked = !running ? Promise.resolve(true) : confirmDialog(
      t('Hold the meeting in %(language)s from now on?', { language: languageName(code) }), [
        t('Every phone, the projector and this console reload in it at once.'),
        t('Answers already sent are kept; words a man is still typing may be lost.')
      ], t('Change the language'));
    asked.then(function (yes) {
      if (!yes) { languagePending = false; renderLanguage(); return; }
      remember(FOCUS, select.id);
      act(select, E.SET_LANGUAGE, { language: code }).then(function (answer) {
        languagePending = false;
        if (!answer.ok) { recall(FOCUS); renderLanguage(); return; }
        // No meeting: only this console needs its words in the new language. A running meeting's
        // pages all hear events.LANGUAGE, and reload in it together (this one too).
        if (!answer.meeting) window.location.reload();
      });
    });
  }
  $('setup-language').addEventListener('change', function () { chooseLanguage($('setup-language')); });
  $('meeting-language').addEventListener('change', function () { chooseLanguage($('meeting-language')); });

  // A deck written in another language than the meeting's: say so beside the start button.
  function renderDeckLanguage() {
    var chosen = $('deck-list').querySelector('input:checked');
    // The start bar names the evening Start begins: the list above it may be scrolled out of sight.
    var named = !chosen ? '' : chosen.value ? chosen.dataset.title || chosen.value : t('Empty meeting');
    if ($('deck-chosen').textContent !== named) $('deck-chosen').textContent = named;
    var language = chosen && chosen.dataset.language;
    var text = language && language !== meetingLanguage()
      ? t('This evening is written in %(deck)s; the meeting is in %(meeting)s.',
        { deck: languageName(language), meeting: languageName(meetingLanguage()) })
      : '';
    var note = $('deck-language-note');
    if (note.textContent !== text) note.textContent = text;
    note.hidden = !text;
  }
  $('deck-list').addEventListener('change', renderDeckLanguage);

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
    else if (data && data.ended_meeting !== undefined && data.ended_meeting !== null) showEnded(data.ended_meeting);
    // The help lines' setting sits with the notes during a meeting, below the decks before one.
    var helpHome = meeting ? document.querySelector('.col-more') : $('setup');
    if ($('help-settings').parentNode !== helpHome) helpHome.appendChild($('help-settings'));

    if (!meeting) {
      $('meeting-title').textContent = t('No meeting running');
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
    renderLanguage();
    restoreFocus(focus);
    if (focusAfterClose) focusNextStep();
    restoreLanguageFocus();
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
    $('meeting-title').textContent = meeting.title || t('Tonight\u2019s meeting');
    $('meeting-title').title = meeting.title || '';  // the whole title, where the bar shows it shortened
    $('join-code').textContent = meeting.code || '';
    // Spelled out letter by letter, so a screen reader does not read the code as a word.
    $('join-code').setAttribute('aria-label', t('Join code %(code)s', { code: (meeting.code || '').split('').join(' ') }));
    $('join-url').textContent = meeting.join_url || '';
  }

  function renderPhones() {
    var n = (data && data.phones) || 0;
    $('phones-count').textContent = String(n);
    // Translators: after the number of phones, shown large on its own ("12" "phones here").
    $('phones-label').textContent = nt('phone here', 'phones here', n);
  }

  /* -- setup -- */

  function renderDecks() {
    var decks = (data && data.decks) || [];
    var key = JSON.stringify([decks, (data && data.deck_problems) || [], (data && data.drafts) || []]);
    if (key === lastDecksKey) return;
    lastDecksKey = key;
    var list = $('deck-list');
    var previous = (list.querySelector('input:checked') || {}).value;
    // The editor's "Start a meeting with it" asks for its evening by id; otherwise the first listed.
    var asked = new URLSearchParams(window.location.search).get('deck');
    var wanted = decks.some(function (deck) { return String(deck.id) === asked; }) ? asked : null;
    list.textContent = '';
    decks.forEach(function (deck, i) {
      list.appendChild(deckOption(String(deck.id), deck.title || deck.id, deck.summary || '',
        [deck.minutes ? t('about %(n)s min', { n: deck.minutes }) : '',
          typeof deck.items === 'number' ? nt('%(num)s item', '%(num)s items', deck.items) : '']
          .filter(Boolean).join(' · '),
        previous ? previous === String(deck.id) : wanted ? wanted === String(deck.id) : i === 0, deck.language || 'en'));
    });
    list.appendChild(deckOption('', t('Empty meeting'), t('Start with nothing and add polls on the spot.'), '',
      previous === '' || (!previous && decks.length === 0)));
    renderDeckLanguage();
    if (wanted && !previous) {
      var card = list.querySelector('input:checked + .deck-card');
      if (card) card.scrollIntoView({ block: 'center' });
    }

    var problems = (data && data.deck_problems) || [];
    var drafts = (data && data.drafts) || [];
    var box = $('deck-problems');
    box.textContent = '';
    box.hidden = problems.length === 0 && drafts.length === 0;
    var ul;
    if (drafts.length) {
      // His own evenings, by their titles, and the way back to the editor that says each problem in his words.
      box.appendChild(h('p', { class: 'deck-problems-title', text: nt(
        'One of your evenings is not ready to start yet:', 'Some of your evenings are not ready to start yet:', drafts.length) }));
      ul = h('ul', {});
      drafts.forEach(function (draft) {
        ul.appendChild(h('li', { class: 'deck-draft' }, [
          h('span', { text: draft.title + ' \u2014 ' + nt('%(num)s thing to fix', '%(num)s things to fix', draft.problems) + ' ' }),
          h('a', { href: withKey('/facilitator/evenings?deck=' + encodeURIComponent(draft.id)), text: t('Finish it in the editor') })]));
      });
      box.appendChild(ul);
    }
    if (problems.length) {
      ul = h('ul', {});
      problems.forEach(function (p) { ul.appendChild(h('li', { text: String(p) })); });
      if (drafts.length) {
        box.appendChild(h('details', { class: 'deck-problems-file' }, [
          h('summary', { text: t('What the file check says') }), ul]));
      } else {
        box.appendChild(h('p', { class: 'deck-problems-title',
          text: problems.length === 1 ? t('One evening could not be read:') : t('Some evenings could not be read:') }));
        box.appendChild(ul);
      }
    }
  }

  function deckOption(value, title, summary, meta, checked, language) {
    var id = 'deck-' + (value || 'empty').replace(/[^a-zA-Z0-9_-]/g, '_');
    var input = h('input', { type: 'radio', name: 'deck', id: id, value: value, class: 'deck-radio',
      'data-deck-id': value, 'data-title': title, 'data-language': language || null, 'aria-describedby': id + '-summary' });
    input.checked = !!checked;
    // A deck written in another language than the meeting's says so in its own name: "(Español)".
    var other = language && language !== meetingLanguage();
    return h('div', { class: 'deck' + (value ? '' : ' deck-empty') }, [
      input,
      h('label', { 'for': id, class: 'deck-card' }, [
        h('span', { class: 'deck-title', lang: language || null }, [title,
          other ? ' ' : null,
          other ? h('span', { class: 'deck-language', 'data-role': 'deck-language', text: '(' + (LANGUAGES[language] || language) + ')' }) : null]),
        meta ? h('span', { class: 'deck-meta', text: meta }) : null,
        h('span', { class: 'deck-summary', id: id + '-summary', lang: language || null, text: summary })])]);
  }

  $('start-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var chosen = $('deck-list').querySelector('input:checked');
    var floor = parseInt($('start-floor').value, 10);
    if (!(floor >= LIMITS.floor_min && floor <= LIMITS.floor_max)) {
      showMessage(t('The privacy floor is at least %(min)s, so no one can be picked out from a result, and at most %(max)s.',
        { min: LIMITS.floor_min, max: LIMITS.floor_max }));
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
        'aria-label': where === 'agenda' ? t('%(action)s: %(prompt)s', { action: label, prompt: item.prompt }) : null, text: label }));
    }
    if (!isCurrent) {
      var next = nextItem();
      var isNext = next && String(next.id) === String(id);
      btn('push', item.state === 'pending' ? t('Show on phones') : t('Show again'), isNext ? 'btn-primary' : 'btn-outline',
        t('Show this on every phone and on the projector'));
    }
    if (isPoll(item)) {
      if (item.state === 'open') {
        btn('close', t('Close'), 'btn-quiet', t('Stop taking answers, without showing the result'));
        // Words and sentences are reviewed between Close and Reveal: no Reveal straight from open.
        if (!isModerated(item)) {
          btn('reveal', t('Reveal'), isCurrent ? 'btn-primary' : 'btn-quiet', t('Show the result to the room; the poll locks'));
        }
      } else if (item.state === 'closed') {
        // Nothing approved yet: the review is the next step, and Reveal (which would show an empty picture) is quiet.
        var review = unreviewed(item);
        if (review) {
          btn('review', t('Review answers'), isCurrent ? 'btn-primary' : 'btn-quiet',
            t('Go to the answers to review, to approve what the room may see'));
        }
        btn('open', t('Take more answers'), 'btn-quiet', t('Phones can answer again; the answers so far are kept'));
        btn('reveal', t('Reveal'), isCurrent && !review ? 'btn-primary' : 'btn-quiet', t('Show the result to the room; the poll locks'));
      } else if (item.state === 'revealed') {
        btn('reopen', t('Take more answers'), 'btn-quiet', t('Phones can answer again after the result was shown; the answers so far are kept'));
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
      ? [nt('%(num)s item', '%(num)s items', agenda.length), minutes ? t('about %(n)s min', { n: minutes }) : '',
          // Translators: how many items of the agenda were already shown.
          nt('%(num)s used', '%(num)s used', done)].filter(Boolean).join(' · ')
      : '';
    if (String(data.current) !== String(lastCurrent)) {
      lastCurrent = data.current;
      showInColumn(list.querySelector('li.is-current'));
    }
    if (!agenda.length) {
      list.appendChild(h('li', { class: 'agenda-empty' }, [
        h('p', { text: t('The agenda is empty. Add a poll or a discussion prompt below — it can go to the phones at once.') })]));
    }
  }

  // The current item into view within the agenda's own column, where it scrolls on its own (a wide
  // screen). In one column the page is the agenda's scroll too: moving it would carry "On the phones
  // now", with its Reveal, off the top of the screen.
  function showInColumn(item) {
    var column = item && item.closest('.col');
    if (!column || !/(auto|scroll)/.test(getComputedStyle(column).overflowY)) return;
    var box = item.getBoundingClientRect(), view = column.getBoundingClientRect();
    if (box.top < view.top) column.scrollTop -= view.top - box.top + 8;
    else if (box.bottom > view.bottom) column.scrollTop += Math.min(box.bottom - view.bottom + 8, box.top - view.top - 8);
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
        isCurrent ? h('span', { class: 'badge badge-now', text: t('On phones now') }) : null,
        item.minutes ? h('span', { class: 'item-minutes', text: t('%(n)s min', { n: item.minutes }) }) : null]),
      h('p', { class: 'item-prompt', text: item.prompt }),
      details ? h('p', { class: 'item-details', text: details }) : null,
      item.note ? h('p', { class: 'item-note' }, [h('span', { class: 'sr-only', text: t('Your note:') + ' ' }), item.note]) : null,
      isCheckout(item, number - 1, (data.agenda || []).length) ? helpNote() : null]);

    var foot = h('div', { class: 'item-foot' });
    foot.appendChild(isPoll(item)
      ? h('p', { class: 'item-answered', 'data-role': 'answered', 'data-item-id': item.id },
          respondedParts(item.answered || 0, 'answered-count', null))
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
      var options = item.options.map(function (o, i) {
        return alone.indexOf(i) >= 0 ? t('%(option)s (on its own)', { option: o }) : o;
      }).join(' · ');
      return item.kind === 'multi' && item.max ? t('Up to %(n)s: %(options)s', { n: item.max, options: options }) : options;
    }
    if (item.kind === 'scale' && item.scale) {
      var s = item.scale;
      var end = function (value, label) { return label ? t('%(value)s (%(label)s)', { value: value, label: label }) : String(value); };
      return t('%(low)s to %(high)s', { low: end(s.min, s.min_label), high: end(s.max, s.max_label) });
    }
    if (item.kind === 'compass' && item.axes) {
      return t('Across: %(x)s · Up: %(y)s', { x: item.axes.x, y: item.axes.y });
    }
    if (item.kind === 'words') {
      return (item.max_words ? nt('Up to %(num)s word.', 'Up to %(num)s words.', item.max_words) + ' ' : '') + REVIEW_WHEN;
    }
    if (item.kind === 'text') return REVIEW_WHEN;
    return '';
  }

  // "%(num)s responded" as elements: the number in one of its own, which updateAnswered changes live,
  // and the words around it as the language puts them (and in its plural form for that number).
  function respondedWords(n) {
    // Translators: a count of the men who responded to a poll (passes included), beside its number.
    return nt('%(num)s responded', '%(num)s responded', n, { num: '\u0001' }).split('\u0001');
  }

  function respondedParts(n, numberClass, labelClass) {
    var words = respondedWords(n);
    return [
      words[0] ? h('span', { class: labelClass, 'data-role': 'answered-before', text: words[0] }) : null,
      h('span', { class: numberClass, 'data-role': 'answered-count', text: String(n) }),
      h('span', { class: labelClass, 'data-role': 'answered-after', text: words[1] || '' })];
  }

  function updateAnswered(item) {
    var n = item.answered || 0;
    var words = respondedWords(n);
    var nodes = document.querySelectorAll('[data-role="answered-count"]');
    for (var i = 0; i < nodes.length; i++) {
      var wrap = nodes[i].closest('[data-item-id]');
      if (!wrap || String(wrap.dataset.itemId) !== String(item.id)) continue;
      nodes[i].textContent = String(n);
      var before = nodes[i].parentNode.querySelector('[data-role="answered-before"]');
      var after = nodes[i].parentNode.querySelector('[data-role="answered-after"]');
      if (before) before.textContent = words[0];
      if (after) after.textContent = words[1] || '';
    }
  }

  /* -- now panel -- */

  function isModerated(item) { return !!item && config.schema.moderated_kinds.indexOf(item.kind) >= 0; }

  // Words or sentences closed, with answers to review and none approved yet: Reveal would show the room
  // an empty picture, so the review list is the next step.
  function unreviewed(item) {
    var review = ((data && data.pending) || {})[item.id] || [];
    return isModerated(item) && item.state === 'closed' && review.length > 0 &&
      !review.some(function (e) { return e.approved; });
  }

  function countHint(item) {
    if (isModerated(item)) return t('Nothing reaches you while the poll is open. Close it: the answers arrive under \u201cAnswers to review\u201d, you approve what the room may see, then reveal.');
    if (data.meeting && data.meeting.live_results) {
      // Translators: the privacy floor, never fewer than 3.
      return t('Live results: the room\u2019s picture updates after every %(n)s new answers.', { n: data.meeting.floor });
    }
    return t('The room sees only this number until you reveal.');
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
      body.appendChild(h('p', { class: 'now-waiting', text: t('The phones are waiting and the projector shows the join code.') }));
      if (next) {
        // Translators: before the next item's question, which follows in its own style.
        body.appendChild(h('p', { class: 'now-next-label' }, [t('Next:') + ' ', h('span', { class: 'now-next-prompt', text: next.prompt })]));
        body.appendChild(h('div', { class: 'now-actions' }, [
          h('button', { type: 'button', class: 'btn btn-primary btn-big', 'data-action': 'push', 'data-item-id': next.id,
            'data-role': 'push-next', text: t('Show the next item') })]));
      } else {
        body.appendChild(h('p', { class: 'hint', text: t('Show an item from the agenda, or add a poll below it.') }));
      }
      return;
    }

    body.appendChild(h('div', { class: 'now-badges' }, [
      h('span', { class: 'badge badge-kind', text: KIND_LABELS[item.kind] || item.kind }),
      h('span', { class: 'badge badge-state state-' + item.state, text: STATE_LABELS[item.state] || item.state })]));
    body.appendChild(h('p', { class: 'now-prompt', id: 'now-prompt', text: item.prompt }));
    // His note for this item, beside it: on a narrow screen the agenda that also holds it is far below.
    if (item.note) body.appendChild(h('p', { class: 'item-note now-note', text: item.note }));

    if (isPoll(item)) {
      // Everyone who responded, passes too; "answered" is kept for real answers (the result's caption).
      body.appendChild(h('p', { class: 'now-count', 'data-item-id': item.id, 'data-testid': 'now-answered' },
        respondedParts(item.answered || 0, 'now-count-number', 'now-count-label').concat([
          item.state === 'open' ? h('span', { class: 'now-count-hint', text: countHint(item) }) : null])));
    }
    if (isModerated(item) && item.state === 'closed' && !((data.pending || {})[item.id] || []).length) {
      body.appendChild(h('p', { class: 'hint now-hint', text: t('Fewer than %(n)s men wrote something, so there is nothing to review, and the room will not see any of it.',
        { n: data.meeting.floor }) }));
    }

    // Words or sentences closed with none approved yet: the review list is the next step, not Reveal,
    // which would show the room an empty picture.
    var toReview = unreviewed(item);
    if (toReview) {
      body.appendChild(h('p', { class: 'hint now-hint', 'data-role': 'review-first',
        text: t('Nothing is approved yet, so Reveal would show the room an empty picture. Approve what the room may see under “Answers to review” first.') }));
    }

    var actions = h('div', { class: 'now-actions' });
    var buttons = itemActions(item, true, 'now');
    var main = isModerated(item) && item.state === 'open' ? 'close' : toReview ? 'review' : 'reveal';
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
      title: t('Take this off the phones; the projector shows the join code again'), text: t('Back to waiting') }));
    if (next) {
      var nextIsMain = !isPoll(item) || item.state === 'revealed';
      actions.appendChild(h('button', { type: 'button', class: 'btn ' + (nextIsMain ? 'btn-primary' : 'btn-quiet'),
        'data-action': 'push', 'data-item-id': next.id,
        'data-role': 'push-next', title: t('Next: %(prompt)s', { prompt: next.prompt }), text: t('Next item \u2192') }));
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
      // Below the floor nobody is told how many of those who responded passed, the facilitator
      // included: he saw who tapped, and the split could say whose tap was a pass.
      var responded = r.answered || 0;
      container.appendChild(h('div', { class: 'floor-note' }, [
        h('p', { class: 'floor-title', text: t('Not enough answers to show a result') }),
        h('p', { text: (responded
          ? nt('%(num)s man responded, passes included: fewer than %(n)s answered.',
            '%(num)s men responded, passes included: fewer than %(n)s answered.', responded, { n: r.floor })
          : t('Nobody has answered yet.')) + ' ' +
          t('The privacy floor is %(n)s, so nobody sees a picture — it could point to someone.', { n: r.floor }) })]));
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
    else if (r.texts) r.texts.forEach(function (text) { list.appendChild(h('li', { text: text })); });
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
      // Once he has approved or hidden one by hand, what is left waiting may be what he held back:
      // "Approve all" would put exactly those on the wall. It is offered only on an untouched list.
      var untouched = !pending[id].some(function (e) { return e.decided || e.approved; });
      var group = h('div', { class: 'mod-group', 'data-item-id': id }, [
        h('div', { class: 'mod-head' }, [
          h('h3', { class: 'mod-prompt', text: item ? item.prompt : t('Item %(n)s', { n: id }) }),
          waiting > 1 && untouched ? h('button', { type: 'button', class: 'btn btn-outline btn-small', 'data-action': 'approve-all',
            'data-item-id': id, text: t('Approve all %(n)s', { n: waiting }) }) : null])]);
      var later = item && item.result && item.result.waiting;
      if (later && later.newer) {
        group.appendChild(h('p', { class: 'hint mod-waiting', text: nt(
          'This list is from when the poll closed. %(num)s newer answer waits for %(more)s more, so that no one\u2019s words stand out.',
          'This list is from when the poll closed. %(num)s newer answers wait for %(more)s more, so that no one\u2019s words stand out.',
          later.newer, { more: later.more }) }));
      }
      var ul = h('ul', { class: 'mod-list' });
      pending[id].forEach(function (entry) {
        // Named by the entry, not its place, so a redraw never ties a box to another sentence.
        var checkId = 'export-' + id + '-' + textKey(entry.text);
        // Only what the room saw can go into the summary: the box comes with Approve, not before
        // (the list's introduction says so once, not every entry).
        var include = null;
        if (entry.approved) {
          var checkbox = h('input', { type: 'checkbox', id: checkId, 'data-action': 'export', 'data-item-id': id,
            'data-text': entry.text });
          checkbox.checked = !!entry.export;
          include = h('label', { class: 'check check-small', 'for': checkId }, [checkbox, h('span', { text: t('Include in export') })]);
        }
        ul.appendChild(h('li', { class: 'mod-entry' + (entry.approved ? ' is-approved' : ''), 'data-item-id': id, 'data-text': entry.text }, [
          h('p', { class: 'mod-text' }, [
            h('span', { class: 'mod-words', text: entry.text }),
            entry.count > 1 ? h('span', { class: 'mod-count', text: '\u00d7' + entry.count,
              'aria-label': nt('%(num)s time', '%(num)s times', entry.count) }) : null]),
          // Approved words reach the room with the reveal: before it, "can see it" would be untrue.
          h('p', { class: 'mod-status', text: !entry.approved ? t('Not shown yet')
            : item && item.state === 'revealed' ? t('Approved — the room can see it') : t('Approved — the room sees it when you reveal') }),
          h('div', { class: 'mod-actions' }, [
            entry.approved
              ? h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'hide', 'data-item-id': id,
                  'data-text': entry.text, 'aria-label': t('Hide \u201c%(text)s\u201d', { text: entry.text }), text: t('Hide') })
              : h('button', { type: 'button', class: 'btn btn-outline btn-small', 'data-action': 'approve', 'data-item-id': id,
                  'data-text': entry.text, 'aria-label': t('Approve \u201c%(text)s\u201d', { text: entry.text }), text: t('Approve') }),
            include])]));
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

  // He may hide the line once he has seen it; a new count brings it back.
  var wordAfterHidden = null;
  function renderWordAfter() {
    var n = (data && data.word_after) || 0;
    var line = $('word-after-line');
    // Why it did not move when he expected it to: it is drawn only at moments no phone chooses.
    var text = n ? nt('%(num)s man would like a word after the meeting.', '%(num)s men would like a word after the meeting.', n) +
      ' ' + t('This count changes only at a break, when a poll closes, and at the end, so it never points to the man who asked.') : '';
    if (line.textContent !== text) line.textContent = text;
    if (n !== wordAfterHidden) wordAfterHidden = null;
    $('word-after').hidden = !n || wordAfterHidden === n;
  }
  $('word-after-close').addEventListener('click', function () {
    wordAfterHidden = (data && data.word_after) || 0;
    $('word-after').hidden = true;
    $('main').focus({ preventScroll: true });
  });

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
    $('help-settings-state').textContent = lines.length ? nt('(%(num)s line set)', '(%(num)s lines set)', lines.length) : t('(none set)');
    if (first && !lines.length && !dismissedReminder()) remindHelpLines();
    if (lines.length) $('help-reminder').hidden = true;
  }
  function dismissedReminder() {
    try { return window.localStorage.getItem(HELP_REMINDER) === '1'; } catch (e) { return false; }
  }
  // Once, until he dismisses it: phones without help lines can only tell a man to ask him.
  function remindHelpLines() { $('help-reminder').hidden = false; }
  // The reminder's link opens the help lines where they are set, ready to type in.
  $('help-reminder-go').addEventListener('click', function (ev) {
    ev.preventDefault();
    $('help-settings').open = true;
    $('help-settings').scrollIntoView({ block: 'start' });
    var field = $('help-settings').querySelector('textarea');
    if (field) field.focus({ preventScroll: true });
  });
  $('help-reminder-close').addEventListener('click', function () {
    $('help-reminder').hidden = true;
    try { window.localStorage.setItem(HELP_REMINDER, '1'); } catch (e) { /* private mode */ }
  });
  // A change not yet saved: the last "saved" line no longer speaks for what is in the box.
  $('help-lines-input').addEventListener('input', function () {
    if (!$('help-status').classList.contains('is-error')) $('help-status').textContent = '';
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
    var status = $('help-status'), input = $('help-lines-input');
    function say(text, ok) {
      status.textContent = text;
      status.classList.toggle('is-error', !ok);
      if (ok) input.removeAttribute('aria-invalid'); else input.setAttribute('aria-invalid', 'true');
    }
    if (bad) {
      say(t('\u201c%(line)s\u201d is not a help line. Write it as Label: number or address.', { line: bad }) + ' ' +
        t('Nothing was saved.'), false);
      input.focus();
      return;
    }
    say('', true);
    act($('help-save'), E.SET_HELP_LINES, { lines: lines }, { quiet: true }).then(function (answer) {
      if (answer.ok) say(lines.length ? t('Help lines saved. Phones show them now.') : t('Help lines cleared.'), true);
      else if (answer.error === 'not connected' || answer.error === 'timeout') {
        say(t('Not saved: Fireside could not be reached. Try again in a moment.'), false);
      } else if (answer.error !== 'busy') say(sentence(answer.error) || t('That did not work, and nothing was changed.'), false);
    });
  });

  // The check-out note (the last item, or any whose id starts with "checkout") carries the help lines.
  function isCheckout(item, index, count) {
    return index === count - 1 || String(item.key || '').indexOf('checkout') === 0;
  }
  function helpNote() {
    var lines = (data && data.help_lines) || [];
    return h('div', { class: 'item-help' }, [
      h('p', { class: 'item-help-title', text: t('Help lines to mention as the evening closes:') }),
      lines.length
        ? h('ul', null, lines.map(function (l) { return h('li', { text: l.label + ': ' + l.contact }); }))
        : h('p', { text: t('None set: add your local crisis line under \u201cHelp lines\u201d on this page.') })]);
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
    $('notes-status').textContent = t('Saving…');
    send(E.SET_NOTES, { notes: value }).then(function (answer) {
      if (answer.ok) {
        if ($('notes').value === value) notesDirty = false;
        $('notes-status').textContent = t('Saved.');
      } else {
        $('notes-status').textContent = t('Not saved.');
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
    $('add-prompt').previousElementSibling.textContent = config.schema.poll_kinds.indexOf(kind) >= 0 ? t('Question') : t('Prompt');
  }
  $('add-kind').addEventListener('change', syncAddForm);
  syncAddForm();

  $('add-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var kind = $('add-kind').value;
    var prompt = $('add-prompt').value.trim();
    if (!prompt) {
      showMessage(t('Please write the question first.'));
      $('add-prompt').focus();
      return;
    }
    var payload = { kind: kind, prompt: prompt, push: $('add-push').checked };
    if (takes(kind, 'options')) {
      var options = $('add-options').value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean);
      if (options.length < LIMITS.options_min) {
        showMessage(t('Please give at least %(n)s options, one per line.', { n: LIMITS.options_min }));
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
        showMessage(t('The highest point of the scale must be above the lowest.'));
        $('add-scale-max').focus();
        return;
      }
      if (hi - lo + 1 > LIMITS.scale_points_max) {
        showMessage(t('A scale can have at most %(n)s points, for example 0 to %(last)s.',
          { n: LIMITS.scale_points_max, last: LIMITS.scale_points_max - 1 }));
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
      announce(payload.push ? t('Added, and on the phones now.') : t('Added to the end of the agenda.'));
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
      case 'open': reopen(button, id, E.OPEN_POLL, t('Open this poll again?'), t('Open it again')); break;
      case 'close': closePoll(button, id); break;
      case 'reveal': reveal(button, id); break;
      case 'review': goToReview(id); break;
      case 'clear': act(button, E.CLEAR_ITEM, {}); break;
      case 'reopen': reopen(button, id, E.REOPEN_POLL, t('Reopen this poll?'), t('Reopen the poll')); break;
      default: break;
    }
  }
  $('agenda').addEventListener('click', onItemAction);
  $('now-body').addEventListener('click', onItemAction);

  // After Close the keyboard goes on to the next step (Review answers, else Reveal), never to the
  // "Take more answers" that now stands where Close was: a second Enter would open the poll again.
  var focusAfterClose = null;
  function closePoll(button, id) {
    var held = document.activeElement === button;
    var zone = button.closest('#now-body') ? 'now' : 'agenda';
    act(button, E.CLOSE_POLL, { item_id: id }).then(function (answer) {
      if (!answer.ok || !held) return;
      focusAfterClose = { id: id, zone: zone };
      focusNextStep();
    });
  }

  // Called after the close is answered and after each redraw: acts once the page shows the poll closed.
  function focusNextStep() {
    var f = focusAfterClose;
    var item = f && itemById(f.id);
    if (item && item.state === 'open') return;  // this page has not heard of the close yet: its redraw will come
    focusAfterClose = null;
    if (!item || item.state !== 'closed') return;
    var where = f.zone === 'now' ? $('now-body') : $('agenda').querySelector('li[data-item-id="' + f.id + '"]');
    var step = where && (where.querySelector('[data-action="review"]') || where.querySelector('[data-action="reveal"]'));
    if (step) step.focus();
  }

  // Reveal with nothing approved shows every phone an empty picture: asked first, the review as the way back.
  function reveal(button, id) {
    var item = itemById(id);
    if (!item || !unreviewed(item)) {
      act(button, E.REVEAL_POLL, { item_id: id });
      return;
    }
    confirmDialog(t('Show the room an empty result?'), [
      t('Nothing is approved yet, so every phone and the projector would show an empty result.'),
      t('Approve what the room may see under \u201cAnswers to review\u201d first, then reveal.')
    ], t('Reveal anyway'), 'back', t('Review answers')).then(function (yes) {
      if (yes) act(null, E.REVEAL_POLL, { item_id: id });
      else goToReview(id);
    });
  }

  // The answers to review in view, the keyboard on their heading (Tab goes on to Approve). A frame later,
  // after a dialog has given the focus back to the button that opened it.
  function goToReview(id) {
    window.requestAnimationFrame(function () {
      var group = $('moderation-list').querySelector('.mod-group[data-item-id="' + cssString(String(id)) + '"]');
      var first = group && !group.previousElementSibling;
      var target = !group || first ? $('moderation') : group;
      if ($('moderation').hidden) return;
      target.scrollIntoView({ block: 'start' });
      // Below a top bar that stays on screen (a tall window), not under it.
      var bar = $('topbar');
      if (getComputedStyle(bar).position === 'sticky') {
        var under = bar.getBoundingClientRect().bottom + 12 - target.getBoundingClientRect().top;
        if (under > 0) window.scrollBy(0, -under);
      }
      $('moderation-heading').focus({ preventScroll: true });
    });
  }

  // Ask once without confirm; when the room (or the review list) has seen answers, the server
  // explains the risk, and only then is the poll opened again for real.
  function reopen(button, id, event, title, okLabel) {
    act(button, event, { item_id: id }, { quiet: true }).then(function (answer) {
      if (answer.ok || answer.error === 'busy' || answer.error === 'timeout' || answer.error === 'not connected') return;
      var explanation = answer.error || t('The room has already seen this result.');
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
    n: function () { return clickNow('[data-role="push-next"]', t('Nothing comes next on the agenda.')); },
    o: function () {
      return clickNow('[data-action="close"], [data-action="open"]', t('Nothing on the phones now can be closed or opened.'));
    },
    r: function () { return clickNow('[data-action="reveal"]', t('Nothing on the phones now can be revealed.')); },
    w: function () { return clickNow('[data-action="clear"]', t('The phones are already waiting.')); },
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
    return n ? ' ' + nt('%(num)s device with the old link was disconnected.', '%(num)s devices with the old link were disconnected.', n) : '';
  }

  $('cofac-invite').addEventListener('click', function () {
    act($('cofac-invite'), E.INVITE_COFACILITATOR, {}).then(function (answer) {
      if (!answer.ok) return;
      showInvite(answer);
      $('cofac-status').textContent = t('Scan the code with his device. Hide it when he is in.');
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
      $('cofac-status').textContent = t('A new link: the old one no longer works.') + dropped(answer.disconnected);
    });
  });
  $('cofac-revoke').addEventListener('click', function () {
    confirmDialog(t('Turn off co-facilitator links?'), [
      t('The link stops working and any device that opened it is disconnected at once.'),
      t('You can invite him again with a new link.')
    ], t('Turn them off'), 'danger').then(function (yes) {
      if (!yes) return;
      act($('cofac-revoke'), E.REVOKE_COFACILITATOR, {}).then(function (answer) {
        if (!answer.ok) return;
        hideInvite();
        $('cofac-status').textContent = t('Turned off: no co-facilitator link works now.') + dropped(answer.disconnected);
        $('cofac-revoke').focus();
      });
    });
  });

  /* -- end meeting -- */

  // The meeting that just ended, with its summary and downloads: after End, and after a reload
  // until the next meeting starts (the console payload's ended_meeting).
  function showEnded(endedId) {
    if (endedId === undefined || endedId === null) return;
    $('ended-summary').href = withKey('/facilitator/summary/' + encodeURIComponent(endedId));
    ['html', 'md', 'csv', 'json'].forEach(function (format) {
      $('download-' + format).href = withKey('/facilitator/export/' + encodeURIComponent(endedId) + '.' + format);
    });
    $('ended-notice').hidden = false;
  }

  // Approved words and sentences he has not marked "Include in export": the summary and its downloads
  // leave them out (the meeting's record keeps only what the room was shown, as the phones say). That
  // is the usual end, so the dialog says it plainly and offers the way back to the list only quietly.
  function approvedNotMarked() {
    var pending = (data && data.pending) || {};
    return Object.keys(pending).reduce(function (n, id) {
      return n + pending[id].filter(function (e) { return e.approved && !e.export; }).length;
    }, 0);
  }

  $('end-meeting').addEventListener('click', function () {
    var unmarked = approvedNotMarked();
    var paragraphs = [
      t('Every poll is reduced to its totals (only where enough men answered), and the raw answers are deleted for good.'),
      t('The join code stops working and the phones are told the meeting is over. This cannot be undone.')
    ];
    if (unmarked) {
      paragraphs.push(nt(
        'The summary leaves out the words of %(num)s approved answer not marked \u201cInclude in export\u201d. That is the usual choice.',
        'The summary leaves out the words of %(num)s approved answers not marked \u201cInclude in export\u201d. That is the usual choice.',
        unmarked));
    }
    confirmDialog(t('End the meeting?'), paragraphs, t('End the meeting'), 'danger', null,
      unmarked ? { label: t('Back to the review list'), then: backToUnmarked } : null).then(function (yes) {
      if (!yes) return;
      var endedId = data && data.meeting && data.meeting.id;
      act($('end-meeting'), E.END_MEETING, {}).then(function (answer) {
        if (!answer.ok) return;
        showEnded(endedId);
        announce(t('The meeting has ended.'));
        window.scrollTo(0, 0);
        $('main').focus({ preventScroll: true });
      });
    });
  });

  // The first approved entry not marked for the export, in view and with the focus on its box.
  // After the dialog has given the focus back to End (a frame later), not before.
  function backToUnmarked() {
    window.requestAnimationFrame(function () {
      var box = $('moderation-list').querySelector('input[data-action="export"]:not(:checked)');
      if (!box) return;
      box.scrollIntoView({ block: 'center' });
      box.focus({ preventScroll: true });
    });
  }

  /* -- links keep the key for a co-facilitator's device -- */
  function withKey(url) {
    return config.key ? url + (url.indexOf('?') < 0 ? '?' : '&') + 'key=' + encodeURIComponent(config.key) : url;
  }
  $('screen-link').href = withKey($('screen-link').getAttribute('href'));
  $('history-link').href = withKey($('history-link').getAttribute('href'));
  $('evenings-link').href = withKey($('evenings-link').getAttribute('href'));
  window.FiresideConsole = { send: send, act: act };
}());
