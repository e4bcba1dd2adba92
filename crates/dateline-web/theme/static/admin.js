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

// The quote counter: what the post quotes (excerpt and block quotes) against the site's limit,
// counted by the server as the save counts it. Without JavaScript the line shows the count when
// the page was made, and the save refuses a post over the limit all the same.
(function () {
  var counter = document.getElementById('quote-counter');
  var alert = document.getElementById('quote-alert');
  var csrf = document.getElementById('csrf');
  var fields = ['body', 'source_excerpt', 'source_words'].map(function (id) { return document.getElementById(id); });
  if (!counter || !csrf || !window.fetch || fields.some(function (f) { return !f; })) return;
  var timer = null;
  var wasOver = counter.classList.contains('over');
  function refresh() {
    var data = new URLSearchParams();
    data.set('_csrf', csrf.value);
    data.set('body', fields[0].value);
    data.set('source_excerpt', fields[1].value);
    data.set('source_words', fields[2].value);
    data.set('format', counter.getAttribute('data-format') || 'markdown');
    fetch('/admin/quote', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (m) {
        counter.textContent = m.summary + (m.over ? ' — over the limit' : '');
        counter.classList.toggle('over', m.over);
        // Said once when the post crosses the limit, not at every pause in typing.
        if (alert && m.over !== wasOver) alert.textContent = m.over ? 'Over the quote limit: ' + m.summary : 'Within the quote limit.';
        wasOver = m.over;
      })
      .catch(function () { /* the line keeps its last count; the save still checks */ });
  }
  fields.forEach(function (f) {
    f.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
  });
})();

// The Media page: files dropped anywhere on the upload form are uploaded at once (the file
// picker works without this).
(function () {
  var form = document.querySelector('form[data-drop]');
  if (!form) return;
  var input = form.querySelector('input[type=file]');
  ['dragenter', 'dragover'].forEach(function (name) {
    form.addEventListener(name, function (e) { e.preventDefault(); form.classList.add('dragging'); });
  });
  form.addEventListener('dragleave', function () { form.classList.remove('dragging'); });
  form.addEventListener('drop', function (e) {
    e.preventDefault();
    form.classList.remove('dragging');
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    form.submit();
  });
})();
