/* Fireside results: FiresideResults.render(container, item) draws a revealed poll's tally
   (docs/protocol.md, "tally") for the phone, the projector and the console.
   Plain ES2017, no modules, no stylesheet of its own: sizes are in em and SVG viewBox units, so
   the container's font size and width decide how big it is. Colours follow the text colour
   (currentColor) and one accent, --fs-accent. Styles are set through the CSSOM, which a
   Content-Security-Policy without 'unsafe-inline' allows. Every picture has a text alternative. */
(function (root) {
  'use strict';

  var SVGNS = 'http://www.w3.org/2000/svg';
  var ACCENT = 'var(--fs-accent, #eaa94f)';

  function css(node, styles) {
    for (var k in styles) if (Object.prototype.hasOwnProperty.call(styles, k)) node.style[k] = styles[k];
    return node;
  }

  // One set of styles with another's on top (plain objects, for css() and el()).
  function merge(a, b) {
    var out = {};
    [a, b].forEach(function (styles) {
      for (var k in styles) if (Object.prototype.hasOwnProperty.call(styles, k)) out[k] = styles[k];
    });
    return out;
  }

  // A size under the text's own, but never under the page's --fs-min (the phone sets 16 px; the
  // projector sets none): words read at arm's length in a dim room stay readable.
  function atLeast(size) { return 'max(' + size + ', var(--fs-min, 0px))'; }

  function el(tag, cls, text, styles) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = String(text);
    if (styles) css(node, styles);
    return node;
  }

  function svg(tag, attrs, styles) {
    var node = document.createElementNS(SVGNS, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, String(attrs[k]));
    if (styles) css(node, styles);
    return node;
  }

  function svgText(parent, x, y, text, size, anchor, styles) {
    var t = svg('text', { x: x, y: y, 'font-size': size, 'text-anchor': anchor || 'middle' }, styles);
    css(t, { fill: 'currentColor' });
    if (styles) css(t, styles);
    t.textContent = String(text);
    parent.appendChild(t);
    return t;
  }

  // Hidden from sight, read by screen readers.
  function hidden(node) {
    return css(node, {
      position: 'absolute', width: '1px', height: '1px', padding: '0', margin: '-1px',
      overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap', border: '0'
    });
  }

  // The page's sentences in the meeting's language, through common.js (loaded first on every page that
  // draws results); alone, the English is said with its %(name)s filled.
  function shared() { return typeof window !== 'undefined' ? window.Fireside : null; }
  function fill(text, vars) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) { return vars && vars[name] != null ? String(vars[name]) : all; });
  }
  function t(message, vars) {
    var F = shared();
    return F && F.t ? F.t(message, vars) : fill(message, vars);
  }
  function nt(one, many, n, vars) {
    var F = shared();
    if (F && F.nt) return F.nt(one, many, n, vars);
    var all = { num: n };
    for (var k in vars || {}) if (Object.prototype.hasOwnProperty.call(vars, k)) all[k] = vars[k];
    return fill(n === 1 ? one : many, all);
  }

  // A number as the meeting's language writes it (2.5, or 2,5 in Spanish).
  function fmt(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '';
    var rounded = Math.round(n * 10) / 10;
    var F = shared();
    try { return F && F.language ? rounded.toLocaleString(F.language) : String(rounded); } catch (e) { return String(rounded); }
  }

  function lowerFirst(s) {
    s = String(s || '');
    return s.charAt(0).toLowerCase() + s.slice(1);
  }

  function caption(res) {
    // A tally's "answered" counts every phone that responded; a pass is not an answer. Below the
    // floor the tally does not say how many passed, so only that total is shown.
    if (!res.shown) {
      var held = waitingText(res.waiting);
      return el('p', 'fs-caption', nt('%(num)s responded', '%(num)s responded', res.answered || 0) + (held ? ' · ' + held : ''),
        { opacity: '0.75', fontSize: atLeast('0.85em'), margin: '0.9em 0 0' });
    }
    var passed = res.passed || 0;
    var answered = (res.answered || 0) - passed;
    var text = res.live ? nt('So far: %(num)s answered', 'So far: %(num)s answered', answered)
      : nt('%(num)s answered', '%(num)s answered', answered);
    if (passed) text += ' · ' + nt('%(num)s passed', '%(num)s passed', passed);
    var waiting = waitingText(res.waiting);
    if (waiting) text += ' · ' + waiting;
    return el('p', 'fs-caption', text, { opacity: '0.75', fontSize: atLeast('0.85em'), margin: '0.9em 0 0' });
  }

  // A kept picture: newer responses show only together with enough others that none stands out.
  // Passes are counted with answers here, so this line never tells a pass from an answer.
  function waitingText(waiting) {
    if (!waiting || !waiting.newer) return '';
    return nt('%(num)s newer response is held back until at least %(more)s more come in',
      '%(num)s newer responses are held back until at least %(more)s more come in', waiting.newer, { more: waiting.more });
  }

  function empty(root, text) {
    root.appendChild(el('p', 'fs-empty', text, { opacity: '0.8', margin: '0.5em 0' }));
  }

  // ---- choice, multi: horizontal bars with counts ------------------------------------------

  function bars(root, item, res) {
    var options = item.options || [];
    var counts = res.counts || [];
    var people = Math.max(1, (res.answered || 0) - (res.passed || 0));
    var most = Math.max.apply(null, counts.concat([0]));
    var list = el('ul', 'fs-bars', null, { listStyle: 'none', margin: '0', padding: '0' });
    counts.forEach(function (count, i) {
      var li = el('li', 'fs-bar', null, { margin: '0 0 0.85em' });
      var head = el('div', 'fs-bar-head', null, {
        display: 'flex', justifyContent: 'space-between', alignItems: 'baseline', gap: '0.75em'
      });
      head.appendChild(el('span', 'fs-bar-label', options[i] != null ? options[i] : t('Option %(n)s', { n: i + 1 }),
        { overflowWrap: 'anywhere', minWidth: '0' }));
      var num = el('span', 'fs-bar-count', null, {
        fontWeight: '700', fontVariantNumeric: 'tabular-nums', flex: 'none',
        color: count === most && count > 0 ? ACCENT : '', opacity: count ? '1' : '0.55'
      });
      num.appendChild(document.createTextNode(String(count)));
      num.appendChild(hidden(el('span', null, ' ' + t('of %(n)s', { n: people }))));
      head.appendChild(num);
      li.appendChild(head);

      var track = el('div', 'fs-bar-track', null, {
        position: 'relative', height: '0.6em', marginTop: '0.3em', borderRadius: '0.3em', overflow: 'hidden'
      });
      track.setAttribute('aria-hidden', 'true');
      track.appendChild(el('div', null, null, {
        position: 'absolute', left: '0', top: '0', right: '0', bottom: '0',
        background: 'currentColor', opacity: '0.14'
      }));
      var pct = Math.min(100, (count / people) * 100);
      track.appendChild(el('div', 'fs-bar-fill', null, {
        position: 'absolute', left: '0', top: '0', bottom: '0', width: pct + '%',
        background: ACCENT, borderRadius: '0.3em', minWidth: count > 0 ? '0.3em' : '0'
      }));
      li.appendChild(track);
      list.appendChild(li);
    });
    root.appendChild(list);
  }

  // ---- scale: a histogram with the median ("the middle of the answers", as the room reads it) ----

  function histogram(root, item, res) {
    var counts = res.counts || [];
    var n = counts.length || 1;
    var sc = item.scale || { min: 0, max: n - 1 };
    var min = typeof sc.min === 'number' ? sc.min : 0;
    var most = Math.max.apply(null, counts.concat([1]));

    // HTML, not SVG, so the numbers keep the container's font size however the bars stretch.
    // The bar area is 8em tall, or grows to fill a container of fixed height (a projector).
    var area = el('div', 'fs-hist', null, {
      display: 'flex', flex: '1 1 8em', height: '8em', minHeight: '4em', paddingTop: '1.4em',
      boxSizing: 'content-box'
    });
    area.setAttribute('aria-hidden', 'true');
    var axis = el('div', 'fs-hist-axis', null, {
      display: 'flex', borderTop: '1px solid', borderColor: 'rgba(127, 127, 127, 0.5)', paddingTop: '0.2em'
    });
    axis.setAttribute('aria-hidden', 'true');
    counts.forEach(function (count, i) {
      var pct = (count / most) * 100;
      var col = el('div', null, null, { flex: '1 1 0', position: 'relative', minWidth: '0' });
      if (count > 0) {
        col.appendChild(el('div', 'fs-hist-bar', null, {
          position: 'absolute', left: '16%', right: '16%', bottom: '0', height: pct + '%',
          minHeight: '0.2em', background: ACCENT, borderRadius: '0.2em 0.2em 0 0'
        }));
        col.appendChild(el('span', 'fs-hist-count', count, {
          position: 'absolute', left: '0', right: '0', bottom: 'calc(' + pct + '% + 0.15em)',
          textAlign: 'center', fontWeight: '700', fontSize: atLeast('0.85em'), lineHeight: '1.2'
        }));
      }
      area.appendChild(col);
      axis.appendChild(el('span', null, min + i, {
        flex: '1 1 0', minWidth: '0', textAlign: 'center', fontSize: atLeast('0.85em'), opacity: '0.8',
        fontVariantNumeric: 'tabular-nums'
      }));
    });
    root.appendChild(area);
    root.appendChild(axis);

    if (typeof res.median === 'number') {
      var marks = el('div', 'fs-hist-median', null, { position: 'relative', height: '0.9em' });
      marks.setAttribute('aria-hidden', 'true');
      marks.appendChild(el('span', null, '▲', {
        position: 'absolute', top: '0', left: ((res.median - min + 0.5) / n) * 100 + '%',
        transform: 'translateX(-50%)', color: ACCENT, fontSize: atLeast('0.75em'), lineHeight: '1'
      }));
      root.appendChild(marks);
    }

    // The words under the ends, where the deck gives them: the numbers are on the axis above, so an
    // end without words leaves its side empty, and a scale without any has no line for them at all.
    if (sc.min_label || sc.max_label) {
      var ends = el('div', 'fs-ends', null, {
        display: 'flex', justifyContent: 'space-between', gap: '1em', fontSize: atLeast('0.85em'), opacity: '0.8', marginTop: '0.2em'
      });
      ends.setAttribute('aria-hidden', 'true');
      ends.appendChild(el('span', null, sc.min_label || ''));
      ends.appendChild(el('span', null, sc.max_label || '', { textAlign: 'right', marginLeft: 'auto' }));
      root.appendChild(ends);
    }

    if (typeof res.median === 'number') {
      var med = el('p', 'fs-median', null, { margin: '0.7em 0 0' });
      med.appendChild(el('span', null, '▲ ', { color: ACCENT, fontSize: atLeast('0.75em') })).setAttribute('aria-hidden', 'true');
      med.appendChild(document.createTextNode(t('The middle of the answers:') + ' '));
      med.appendChild(el('strong', null, fmt(res.median)));
      root.appendChild(med);
    }

    var table = hidden(el('table'));
    table.appendChild(el('caption', null, t('How many chose each point')));
    counts.forEach(function (count, i) {
      var tr = el('tr');
      var label = String(min + i);
      if (i === 0 && sc.min_label) label += ' (' + sc.min_label + ')';
      if (i === counts.length - 1 && sc.max_label) label += ' (' + sc.max_label + ')';
      tr.appendChild(el('th', null, label));
      tr.appendChild(el('td', null, String(count)));
      table.appendChild(tr);
    });
    root.appendChild(table);
  }

  // ---- compass: every answer a dot, with quadrant counts -----------------------------------

  // The legend's dot of many answers: half as wide again as the '#' in it, which is never under --fs-min.
  var MANY = 'calc(' + atLeast('0.7em') + ' * 1.5)';

  // A filled or a dashed circle drawn as a shape, not a font glyph (whose size differs across engines);
  // 'many': the bigger dot of answers at one spot, with a dark mark where the picture has its number.
  function mark(kind) {
    var dashed = kind === 'middle', many = kind === 'many';
    var node = el('span', 'fs-mark fs-mark-' + (kind || 'dot'), null, {
      display: 'inline-flex', alignItems: 'center', justifyContent: 'center', width: many ? MANY : '0.8em',
      height: many ? MANY : '0.8em', borderRadius: '50%', verticalAlign: many ? '-0.18em' : '-0.05em',
      marginRight: '0.35em', boxSizing: 'border-box', flex: 'none',
      background: dashed ? 'transparent' : ACCENT, border: dashed ? '0.1em dashed currentColor' : '0'
    });
    // "#", no digit: the legend says what a number means, never a count of its own.
    if (many) node.appendChild(el('span', null, '#', { color: '#1d1710', fontWeight: '700', fontSize: atLeast('0.7em'), lineHeight: '1' }));
    return node;
  }

  // Where a quadrant's count goes: its corner (c.x, c.y is the text's baseline end), else the first
  // place along the quadrant's edges, toward the middle, whose box no dot (x, y, r) touches.
  var COUNT_STEPS = [[0, 0], [0, 10], [12, 0], [0, 20], [12, 10], [24, 0], [0, 30], [12, 20], [24, 10], [24, 20]];
  function countPlace(c, text, dots) {
    var width = 6.8 * text.length, inward = c.anchor === 'start' ? 1 : -1, down = c.y < 50 ? 1 : -1;
    for (var i = 0; i < COUNT_STEPS.length; i++) {
      var x = c.x + inward * COUNT_STEPS[i][0], y = c.y + down * COUNT_STEPS[i][1];
      var left = c.anchor === 'start' ? x : x - width;
      var box = { l: left, r: left + width, t: y - 8.5, b: y + 1 };
      if (!dots.some(function (d) { return touches(box, d); })) return { x: x, y: y };
    }
    return { x: c.x, y: c.y };
  }
  function touches(box, d) {
    var nx = Math.max(box.l, Math.min(d.x, box.r)), ny = Math.max(box.t, Math.min(d.y, box.b));
    return (nx - d.x) * (nx - d.x) + (ny - d.y) * (ny - d.y) < (d.r + 1) * (d.r + 1);
  }

  // The page's smallest size for words (--fs-min) in px, measured where node is; 0 where there is none.
  function leastPx(node) {
    var probe = el('span', null, null, { fontSize: 'var(--fs-min, 0px)', position: 'absolute' });
    node.appendChild(probe);
    var least = parseFloat(getComputedStyle(probe).fontSize) || 0;
    node.removeChild(probe);
    return least;
  }

  // The number in a dot of many answers, never under the page's smallest size (--fs-min) once the
  // square has its size on the page: 4.4 of the square's 108 units is a footnote on a phone or an
  // old projector. A dot too small for its number grows round it (its dark figure reads only on the dot).
  function readableDotCounts(pic) {
    var counts = pic.querySelectorAll('.fs-dot-count');
    var across = pic.getBoundingClientRect().width;
    if (!counts.length || !across) return;
    var size = Math.max(4.4, leastPx(pic.parentNode) * 108 / across);
    Array.prototype.forEach.call(counts, function (count) {
      var dot = count.previousSibling;
      var digits = count.textContent.length;
      var r = Math.max(parseFloat(dot.getAttribute('r')), size * (digits > 1 ? 0.45 + 0.3 * digits : 0.6));
      dot.setAttribute('r', r.toFixed(2));
      count.setAttribute('font-size', size.toFixed(2));
      count.setAttribute('y', (parseFloat(dot.getAttribute('cy')) + 0.36 * size).toFixed(2));
    });
  }

  function compass(root, item, res, wide) {
    // The deck's axes, else the schema's defaults (prompts/schema.py, through the page's config block).
    var shared = typeof window !== 'undefined' ? window.Fireside : null;
    var defaults = (shared && shared.config.schema && shared.config.schema.default_axes) || {};
    var axes = item.axes || {};
    var xName = axes.x || defaults.x || '';
    var yName = axes.y || defaults.y || '';
    var low = axes.low || defaults.low || '';
    var high = axes.high || defaults.high || '';
    var q = res.quadrants || {};
    var points = res.points || [];

    // Stacked on a phone; on a wide container of fixed height (a projector), the square takes
    // the height left by its axis labels and the counts sit beside it.
    var body = el('div', 'fs-compass', null, wide
      ? { display: 'flex', flex: '1 1 auto', minHeight: '0', gap: '1.2em', alignItems: 'center' }
      : { display: 'block' });
    // The axis labels are HTML in the container's type, level with the text beside them (so the
    // projector's are as big as its other words), around a square that holds only dots and counts.
    var figure = el('div', 'fs-figure', null, {
      display: 'grid', gridTemplateColumns: 'min-content minmax(0, 1fr)', gridTemplateRows: 'auto auto',
      columnGap: '0.4em', rowGap: '0.15em', alignItems: 'stretch', flex: wide ? 'none' : '', minWidth: '0',
      fontSize: wide ? '' : atLeast('0.85em')  // on a phone the square needs the width more than the labels do
    });
    var pic = svg('svg', { viewBox: '-4 -4 108 108', 'aria-hidden': 'true', focusable: 'false' },
      { display: 'block', width: '100%', height: 'auto', overflow: 'visible', gridColumn: '2', gridRow: '1' });
    var side = el('div', 'fs-compass-side', null, wide ? { flex: '1 1 10em', minWidth: '0', lineHeight: '1.2' } : null);

    pic.appendChild(svg('rect', { x: 0, y: 0, width: 100, height: 100, rx: 3 },
      { fill: 'currentColor', opacity: '0.06' }));
    pic.appendChild(svg('rect', { x: 0, y: 0, width: 100, height: 100, rx: 3, 'stroke-width': 0.5 },
      { fill: 'none', stroke: 'currentColor', opacity: '0.35' }));
    pic.appendChild(svg('path', { d: 'M50 0 V100 M0 50 H100', 'stroke-width': 0.4, 'stroke-dasharray': '1.5 1.5' },
      { fill: 'none', stroke: 'currentColor', opacity: '0.35' }));

    var corners = [
      { key: 'space', name: t('Mostly %(name)s', { name: lowerFirst(yName) }), x: 3.5, y: 13, anchor: 'start' },
      { key: 'both', name: t('Both'), x: 96.5, y: 13, anchor: 'end' },
      { key: 'neither', name: t('Neither'), x: 3.5, y: 96, anchor: 'start' },
      { key: 'connection', name: t('Mostly %(name)s', { name: lowerFirst(xName) }), x: 96.5, y: 96, anchor: 'end' }
    ];

    // Identical answers become one bigger dot with its number, so nothing hides under another.
    var groups = {};
    var order = [];
    points.forEach(function (p) {
      var k = p[0] + ',' + p[1];
      if (!groups[k]) { groups[k] = { x: p[0], y: p[1], n: 0 }; order.push(k); }
      groups[k].n += 1;
    });
    var numbered = order.some(function (k) { return groups[k].n > 1; });
    order.forEach(function (k) {
      var g = groups[k];
      var r = 2.6 + 1.4 * Math.sqrt(g.n - 1);
      pic.appendChild(svg('circle', { class: 'fs-dot', cx: g.x, cy: 100 - g.y, r: r, 'stroke-width': 0.6 },
        { fill: ACCENT, fillOpacity: '0.85', stroke: 'currentColor', strokeOpacity: '0.35' }));
      if (g.n > 1) {
        svgText(pic, g.x, 100 - g.y + 1.6, g.n, 4.4, 'middle', { fontWeight: '700', fill: '#1d1710' })
          .setAttribute('class', 'fs-dot-count');
      }
    });
    if (res.median && typeof res.median.x === 'number') {
      pic.appendChild(svg('circle', { cx: res.median.x, cy: 100 - res.median.y, r: 5, 'stroke-width': 0.7,
        'stroke-dasharray': '1.6 1.2' }, { fill: 'none', stroke: 'currentColor', opacity: '0.85' }));
    }

    // Quadrant counts, large and quiet, in each corner; where a dot lies in the corner, the count
    // moves along its quadrant's edges to the nearest place no dot touches. Drawn after the dots,
    // with a dark halo, so in a quadrant full of dots the number still reads over them.
    var taken = order.map(function (k) {
      var g = groups[k];
      return { x: g.x, y: 100 - g.y, r: 2.6 + 1.4 * Math.sqrt(g.n - 1) };
    });
    if (res.median && typeof res.median.x === 'number') taken.push({ x: res.median.x, y: 100 - res.median.y, r: 5 });
    corners.forEach(function (c) {
      var at = countPlace(c, String(q[c.key] || 0), taken);
      var t = svgText(pic, at.x, at.y, q[c.key] || 0, 11, c.anchor, {
        fontWeight: '700', fillOpacity: '0.6', stroke: 'var(--fs-halo, #1a1613)', strokeOpacity: '0.6',
        strokeWidth: '0.7', strokeLinejoin: 'round', paintOrder: 'stroke'
      });
      t.setAttribute('class', 'fs-quadrant-count');
    });

    // Axis labels: y's name and top end beside the square, x's under it; "a little" once, at the
    // corner where both axes start. Words wrap only between words, so the column stays narrow.
    var axisName = { fontWeight: '700' };
    var axisEnd = { opacity: '0.8', fontSize: atLeast('0.95em'), whiteSpace: 'nowrap' };
    var yAxis = el('div', 'fs-axis fs-axis-y', null, {
      gridColumn: '1', gridRow: '1', display: 'flex', flexDirection: 'column', alignItems: 'flex-end',
      textAlign: 'right', lineHeight: '1.15'
    });
    yAxis.appendChild(el('span', 'fs-axis-end', high, axisEnd));
    yAxis.appendChild(el('span', 'fs-axis-name', '↑ ' + yName, merge({ margin: 'auto 0' }, axisName)));
    var origin = el('div', 'fs-axis fs-axis-origin', low, merge({ gridColumn: '1', gridRow: '2', textAlign: 'right',
      lineHeight: '1.2' }, axisEnd));
    // The name in the middle of the row while there is room, never pushing "a lot" past the square.
    var xAxis = el('div', 'fs-axis fs-axis-x', null, {
      gridColumn: '2', gridRow: '2', display: 'flex', alignItems: 'baseline', columnGap: '0.5em', lineHeight: '1.2',
      padding: '0 3.7%'  // the square's edges: the picture keeps 4 of its 108 units round it for the dots
    });
    xAxis.appendChild(el('span', null, null, { flex: '1 1 0', minWidth: '0' }));
    xAxis.appendChild(el('span', 'fs-axis-name', xName + ' →', merge({ whiteSpace: 'nowrap' }, axisName)));
    xAxis.appendChild(el('span', null, null, { flex: '1 1 0', minWidth: '0' }));
    xAxis.appendChild(el('span', 'fs-axis-end', high, axisEnd));
    [yAxis, origin, xAxis].forEach(function (node) { node.setAttribute('aria-hidden', 'true'); });

    figure.appendChild(yAxis);
    figure.appendChild(pic);
    figure.appendChild(origin);
    figure.appendChild(xAxis);
    body.appendChild(figure);
    body.appendChild(side);
    root.appendChild(body);

    // The four quadrants as a small grid laid out like the square itself, or one column when narrow.
    var grid = el('ul', 'fs-quadrants', null, {
      listStyle: 'none', margin: wide ? '0' : '0.7em 0 0', padding: '0', display: 'grid',
      // two columns like the square's halves, or one where a half would be narrower than 8em
      gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, max(8em, 40%)), 1fr))', gap: '0.35em', fontSize: atLeast('0.9em')
    });
    corners.forEach(function (c) {
      var li = el('li', 'fs-quadrant', null, {
        padding: wide ? '0.3em 0.5em' : '0.4em 0.6em', borderRadius: '0.4em', background: 'rgba(127, 127, 127, 0.12)',
        display: 'flex', alignItems: 'baseline', gap: '0.5em'
      });
      var num = el('strong', null, String(q[c.key] || 0), { color: ACCENT, fontVariantNumeric: 'tabular-nums' });
      var name = el('span', null, c.name, { opacity: '0.85' });
      li.appendChild(num);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(name);
      grid.appendChild(li);
    });
    side.appendChild(grid);

    var legend = el('p', 'fs-legend', null, { fontSize: atLeast('0.85em'), opacity: '0.8', margin: '0.6em 0 0' });
    legend.setAttribute('aria-hidden', 'true');
    // A numbered dot is explained only where the picture has one. The entry names no number: the
    // picture's own are all it shows, and the whole picture passed the floor.
    var entries = [['dot', t('one answer')]];
    if (numbered) entries.push(['many', t('a number: that many answers at one spot')]);
    entries.push(['middle', t('the middle of the answers')]);
    entries.forEach(function (entry, n) {
      // One piece on the line: it moves down whole where it fits, and a name longer than the column
      // wraps beside its mark, never under it.
      var key = el('span', 'fs-legend-key', null, { display: 'inline-flex', alignItems: 'baseline', maxWidth: '100%',
        verticalAlign: 'top', marginRight: n === entries.length - 1 ? '0' : '0.9em' });
      key.appendChild(mark(entry[0]));
      key.appendChild(el('span', null, entry[1]));
      if (n) legend.appendChild(document.createTextNode(' '));
      legend.appendChild(key);
    });
    side.appendChild(legend);
    side.appendChild(caption(res));

    if (wide) {
      // The square as big as the height left by the labels allows, leaving the counts at least a third.
      var rows = xAxis.offsetHeight + parseFloat(getComputedStyle(figure).rowGap || 0);
      var across = body.clientWidth * 0.64 - yAxis.offsetWidth;
      var size = Math.max(0, Math.floor(Math.min(body.clientHeight - rows, across)));
      var place = function (px) {
        css(pic, { width: px + 'px', height: px + 'px' });
        css(figure, { gridTemplateColumns: 'min-content ' + px + 'px' });  // the x labels end where the square does
      };
      place(size);
      // The counts and the legend stay at the size the back of the room reads (--fs-min): where they
      // need more height than the screen has, the square gives them width, so they wrap to fewer lines.
      // Never so small that the corners' counts (11 of its 108 units) fall under that size, nor that
      // its own words underneath no longer fit under it.
      var least = Math.max(size * 0.6, leastPx(body) * 108 / 11);
      while (side.offsetHeight > body.clientHeight && size > least) {
        var next = Math.floor(Math.max(size * 0.95, least));
        place(next);
        if (xAxis.scrollWidth > xAxis.clientWidth + 1) { place(size); break; }
        size = next;
      }
    }

    readableDotCounts(pic);

    var alt = hidden(el('p'));
    var sentence = t('Each dot is one answer. Right means more %(x)s wanted, up means more %(y)s wanted.',
      { x: lowerFirst(xName), y: lowerFirst(yName) });
    if (numbered) sentence += ' ' + t('A dot with a number is that many answers at one spot.');
    if (res.median && typeof res.median.x === 'number') {
      sentence += ' ' + t('The middle, out of 100: %(x_name)s %(x)s, %(y_name)s %(y)s.',
        { x_name: xName, x: fmt(res.median.x), y_name: yName, y: fmt(res.median.y) });
    }
    alt.textContent = sentence;
    root.insertBefore(alt, body);
    return false;  // the caption is in its place already, under the counts
  }

  // ---- words: a quiet word cloud, biggest in the middle -----------------------------------

  // A word or phrase wider than the cloud (a big one on a narrow phone) is drawn smaller until it fits.
  function fitWords(cloud) {
    var room = cloud.clientWidth;
    if (!room) return;  // not laid out yet
    var spans = cloud.querySelectorAll('.fs-word');
    for (var i = 0; i < spans.length; i++) {
      var span = spans[i], style = window.getComputedStyle(span);
      var wide = span.offsetWidth + parseFloat(style.marginLeft) + parseFloat(style.marginRight);
      if (wide > room) span.style.fontSize = (parseFloat(style.fontSize) * room / wide * 0.98).toFixed(1) + 'px';
    }
  }

  function words(root, item, res) {
    var list = res.words || [];
    if (!list.length) { empty(root, t('No words have been shared yet.')); return; }
    var most = list[0].count || 1;
    var least = list[list.length - 1].count || 1;
    // Centre-out: the most frequent word in the middle, the others alternating around it.
    var arranged = [];
    list.forEach(function (w, i) { if (i % 2) arranged.push(w); else arranged.unshift(w); });
    var cloud = el('div', 'fs-words', null, {
      display: 'flex', flexWrap: 'wrap', justifyContent: 'center', alignItems: 'baseline',
      lineHeight: '1.15', textAlign: 'center', padding: '0.3em 0'
    });
    cloud.setAttribute('aria-hidden', 'true');
    arranged.forEach(function (w) {
      var t = most === least ? 1 : (w.count - least) / (most - least);
      // A phrase ("work stress") is one answer: never split over two lines, where it would read as two.
      cloud.appendChild(el('span', 'fs-word', w.word, {
        fontSize: (1 + 1.7 * t).toFixed(2) + 'em',
        fontWeight: t > 0.5 ? '700' : '500',
        color: w.count === most ? ACCENT : '',
        opacity: String(0.72 + 0.28 * t),
        whiteSpace: 'nowrap', flexShrink: '0', margin: '0.05em 0.3em'
      }));
    });
    root.appendChild(cloud);
    fitWords(cloud);
    if (window.requestAnimationFrame) window.requestAnimationFrame(function () { fitWords(cloud); });
    var alt = hidden(el('ul'));
    list.forEach(function (w) { alt.appendChild(el('li', null, w.word + ': ' + w.count)); });
    root.appendChild(alt);
    root.appendChild(chosen(t('The facilitator chose which words the room sees. Nothing here says who wrote them.')));
  }

  // Under words and sentences: a man who looks for his own and does not find it learns why.
  function chosen(text) {
    return el('p', 'fs-chosen', text, { opacity: '0.72', fontSize: atLeast('0.85em'), margin: '0.4em 0 0', textAlign: 'center' });
  }

  // ---- text: the shared sentences ----------------------------------------------------------

  function texts(root, item, res, wide) {
    var list = res.texts || [];
    if (!list.length) { empty(root, t('No answers have been shared yet.')); return; }
    var ul = el('ul', 'fs-texts', null, { listStyle: 'none', margin: '0', padding: '0' });
    list.forEach(function (text) {
      // Translators: an approved sentence, quoted as the language quotes (Spanish: «…»).
      ul.appendChild(el('li', 'fs-text', t('“%(text)s”', { text: text }), {
        // closer set on a projector, where they share the screen's height with the words under them
        margin: wide ? '0 0 0.45em' : '0 0 0.6em', padding: wide ? '0.4em 0.7em' : '0.6em 0.9em', borderLeft: '0.18em solid ' + ACCENT,
        background: 'rgba(127, 127, 127, 0.12)', borderRadius: '0.3em', lineHeight: wide ? '1.3' : '1.45',
        overflowWrap: 'anywhere'
      }));
    });
    root.appendChild(ul);
    root.appendChild(chosen(t('The facilitator chose which of them the room sees. Nothing here says who wrote them.')));
  }

  var DRAW = { choice: bars, multi: bars, scale: histogram, compass: compass, words: words, text: texts };

  function render(container, item) {
    while (container.firstChild) container.removeChild(container.firstChild);
    var res = item && item.result;
    var kind = (res && res.kind) || (item && item.kind) || '';
    var root = el('div', 'fs-results fs-results-' + kind, null, {
      display: 'flex', flexDirection: 'column', width: '100%', height: '100%', position: 'relative'
    });
    container.appendChild(root);
    if (!res) {
      if (kind !== 'discussion') empty(root, t('No results yet.'));
      return root;
    }
    if (!res.shown) {
      root.className += ' fs-notshown';
      var floor = res.floor || 3;
      // After a reopen, answers the room was told were too few may be held back as a picture's are.
      root.appendChild(el('p', 'fs-floor', res.waiting && res.waiting.newer
        ? t('Not shown yet, so that no one answer stands out — that keeps everyone anonymous.')
        : t('Not shown: fewer than %(floor)s people answered — that keeps everyone anonymous.', { floor: floor }),
        { margin: '0' }));
      root.appendChild(caption(res));
      return root;
    }
    // A container wider than tall with a fixed height (a projector) gets a side-by-side layout.
    var wide = container.clientHeight > 0 && container.clientWidth >= 1.3 * container.clientHeight;
    var draw = DRAW[kind];
    var captionTo = draw ? draw(root, item, res, wide) : null;
    if (!draw) empty(root, t('This result cannot be shown here.'));
    if (captionTo !== false) (captionTo || root).appendChild(caption(res));
    return root;
  }

  root.FiresideResults = { render: render, waitingText: waitingText };
})(typeof window !== 'undefined' ? window : this);
