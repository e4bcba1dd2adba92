// Live Markdown preview in the editor: a progressive extra. Without JavaScript the Preview
// button does the same through the server. The CSP allows only this file, no inline script.
(function () {
  var body = document.getElementById('body');
  var preview = document.getElementById('preview');
  var csrf = document.getElementById('csrf');
  if (!body || !preview || !csrf || !window.fetch) return;
  var timer = null;
  function refresh() {
    var data = new URLSearchParams();
    data.set('_csrf', csrf.value);
    data.set('body', body.value);
    fetch('/admin/preview', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { preview.innerHTML = html; })
      .catch(function () { /* the Preview button still works */ });
  }
  body.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  refresh();
})();

// The Publish button says "Schedule" while the date is in the future, as WordPress's does.
// (The server decides by the site's time zone; this reads the browser's, near enough.)
(function () {
  var date = document.getElementById('date');
  var publish = document.querySelector('button[name=action][value=publish]');
  if (!date || !publish) return;
  function label() {
    var when = date.value ? new Date(date.value) : null;
    publish.textContent = when && when.getTime() > Date.now() ? 'Schedule' : 'Publish';
  }
  date.addEventListener('input', label);
  date.addEventListener('change', label);
  label();
})();
