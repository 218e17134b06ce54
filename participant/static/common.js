/* Fireside, what the phone, the console and the projector share: the page's config block, building
   elements, plurals, screen-reader announcements and the connection line. Plain ES2017, no modules;
   each page loads it before its own script, which finds it as window.Fireside. */
(function (root) {
  'use strict';

  // Event names, kinds and limits come from the server (facilitator/events.py, prompts/schema.py).
  var config = JSON.parse(document.getElementById('fireside-config').textContent);

  function $(id) { return document.getElementById(id); }

  // h('p', {class: 'x', text: 'hi', onclick: fn, 'aria-label': '…'}, [children])
  function h(tag, props, kids) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        var v = props[k];
        if (v == null || v === false) return;
        if (k === 'text') node.textContent = String(v);
        else if (k === 'class') node.className = v;
        else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
        else if (k === 'value' || k === 'checked') node[k] = v;
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    (kids || []).forEach(function (kid) {
      if (kid == null || kid === false) return;
      node.appendChild(typeof kid === 'string' ? document.createTextNode(kid) : kid);
    });
    return node;
  }

  // The page's sentences in the meeting's language (facilitator/i18n.py, for_page): t('Thank you') and
  // t('%(n)s answered', {n: 3}); nt('%(num)s man', '%(num)s men', n) picks the language's plural form
  // (Intl.PluralRules names its category, the server says which of the catalogue's forms that is).
  // A sentence the catalogue lacks is said in English, never left blank.
  var i18n = config.i18n || { language: 'en', messages: {}, plural: {} };
  var pluralRules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(i18n.language) : null;

  function fill(text, vars) {
    if (!vars) return text;
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return vars[name] == null ? all : String(vars[name]);
    });
  }

  function t(message, vars) {
    var said = i18n.messages[message];
    return fill(typeof said === 'string' && said ? said : message, vars);
  }

  function nt(one, many, n, vars) {
    var forms = i18n.messages[one], said = null;
    if (Array.isArray(forms)) {
      var index = pluralRules ? i18n.plural[pluralRules.select(n)] : null;
      said = forms[index == null ? (n === 1 ? 0 : forms.length - 1) : index];
    }
    var all = { num: n };
    Object.keys(vars || {}).forEach(function (k) { all[k] = vars[k]; });
    return fill(said || (n === 1 ? one : many), all);
  }

  // English only, for the console's sentences not yet through nt(); the phone and the projector no longer use it.
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  // An announce(text) for the page's #announcer live region. The region is emptied first, so the
  // same sentence twice is read twice; gap (ms) is the least time between two announcements, so
  // live counts never chatter; the latest sentence wins.
  function announcer(gap) {
    var timer = null, pending = '', last = -Infinity;
    return function announce(text) {
      pending = text;
      if (timer) return;
      var region = $('announcer');
      region.textContent = '';
      timer = setTimeout(function () {
        timer = null;
        last = Date.now();
        region.textContent = pending;
      }, Math.max(60, last + (gap || 0) - Date.now()));
    };
  }

  // The #conn line says what the connection is doing; empty text hides it. With a delay, a blip
  // shorter than that (a reconnect that succeeds at once) shows nothing.
  var connTimer = null;
  function conn(text, delay) {
    clearTimeout(connTimer);
    var line = $('conn');
    if (!text) { line.hidden = true; line.textContent = ''; return; }
    connTimer = setTimeout(function () { line.textContent = text; line.hidden = false; }, delay || 0);
  }

  root.Fireside = { config: config, $: $, h: h, plural: plural, announcer: announcer, conn: conn,
                    t: t, nt: nt, language: i18n.language };
}(window));
