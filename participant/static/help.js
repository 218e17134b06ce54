/* Fireside's Help panel, on every phone page: it closes with its Close button, with Escape, with a
   tap beside it, and with the phone's Back button, which would otherwise leave the meeting's page.
   Opening and closing it send nothing. Without this script the word Help still opens and closes it. */
(function () {
  'use strict';
  var help = document.getElementById('help');
  var close = document.getElementById('help-close');
  if (!help || !close) return;
  var summary = document.getElementById('help-link');

  function shut() {
    if (!help.open) return;
    help.open = false;
    summary.focus();
  }

  close.hidden = false;
  close.addEventListener('click', shut);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && help.open) { e.preventDefault(); shut(); }
  });
  // A tap beside the open panel only closes it: it must not also pick an answer underneath.
  document.addEventListener('click', function (e) {
    if (!help.open || help.contains(e.target)) return;
    e.preventDefault();
    e.stopPropagation();
    shut();
  }, true);
  // Open, it is one step in the phone's history, so Back closes it instead of leaving. The step is
  // taken in the tap itself, so a Back pressed at once already finds it.
  function ours() { return !!(window.history.state && window.history.state.fsHelp); }
  summary.addEventListener('click', function () {
    if (!help.open && !ours()) window.history.pushState({ fsHelp: true }, '');
  });
  help.addEventListener('toggle', function () {
    if (!help.open && ours()) window.history.back();
  });
  window.addEventListener('popstate', function () { if (help.open) help.open = false; });
}());
