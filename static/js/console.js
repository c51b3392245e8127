// OSCAR Console: small progressive enhancements. Every page works without this file; it only adds
// copy buttons, secret reveal, a busy state on slow forms and auto-refresh. Loaded with defer under a
// strict CSP (no inline script), so it wires itself up through data- attributes.
(function () {
  "use strict";

  function target(el, attr) {
    var sel = el.getAttribute(attr);
    return sel ? document.querySelector(sel) : null;
  }

  function say(el, text) {
    var live = document.getElementById("live");
    if (live) { live.textContent = text; }
    var old = el.textContent;
    el.textContent = text;
    setTimeout(function () { el.textContent = old; }, 1500);
  }

  // Copy buttons: <button type="button" data-copy="#field">Copy</button>
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var t = target(btn, "data-copy");
      if (!t) { return; }
      var text = ("value" in t && t.value !== undefined) ? t.value : t.textContent;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { say(btn, "Copied"); },
          function () { say(btn, "Copy failed: select and copy by hand"); });
      } else {
        if (t.select) { t.select(); }
        say(btn, "Press Ctrl+C to copy");
      }
    });
  });

  // Reveal buttons: <button type="button" data-reveal="#field" aria-pressed="false">Reveal</button>
  document.querySelectorAll("[data-reveal]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var t = target(btn, "data-reveal");
      if (!t) { return; }
      var show = t.getAttribute("type") === "password";
      t.setAttribute("type", show ? "text" : "password");
      btn.setAttribute("aria-pressed", show ? "true" : "false");
      btn.textContent = show ? "Hide" : "Reveal";
    });
  });

  // Slow forms (service creation takes 6 s or more in OSCAR): block a second submit and say it is working.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (form.getAttribute("aria-busy") === "true") { ev.preventDefault(); return; }
      form.setAttribute("aria-busy", "true");
      var msg = form.getAttribute("data-busy");
      var submitter = ev.submitter;
      setTimeout(function () {
        form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
          b.setAttribute("aria-busy", "true");
          b.disabled = true;
        });
        if (submitter && msg) { submitter.textContent = msg; }
        var live = document.getElementById("live");
        if (live && msg) { live.textContent = msg; }
      }, 0);
    });
  });

  // Confirmations for destructive buttons that also have a server-side confirmation page.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });

  // Auto-refresh: <div data-autorefresh="10"> reloads the page every N seconds while visible.
  var auto = document.querySelector("[data-autorefresh]");
  if (auto) {
    var secs = parseInt(auto.getAttribute("data-autorefresh"), 10) || 10;
    setInterval(function () {
      if (document.visibilityState === "visible") { window.location.reload(); }
    }, secs * 1000);
  }

  // Uploads: <form data-upload> sends its files one request each, with a progress bar and an
  // outcome per file in its [data-upload-list], and a summary in [data-upload-summary]. It reveals
  // the folder picker ([data-folder-picker], an input named "tree" whose files keep their relative
  // paths). Without this script the form posts all its files at once and the server sums up.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var picker = form.querySelector("[data-folder-picker]");
    if (picker && "webkitdirectory" in document.createElement("input")) { picker.hidden = false; }
    form.addEventListener("submit", function (ev) {
      var list = form.querySelector("[data-upload-list]");
      var summary = form.querySelector("[data-upload-summary]");
      if (!list || !summary || !window.XMLHttpRequest || !window.FormData) { return; }
      var items = [];
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        Array.prototype.forEach.call(input.files || [], function (f) {
          var name = input.name === "tree" && f.webkitRelativePath ? f.webkitRelativePath : f.name;
          items.push({ file: f, field: input.name, name: name });
        });
      });
      if (items.length === 0) { return; } // the server says what to do
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      list.textContent = "";
      list.hidden = false;
      summary.hidden = true;
      items.forEach(function (it) {
        var li = document.createElement("li");
        var label = document.createElement("span");
        label.textContent = it.name;
        it.bar = document.createElement("progress");
        it.bar.max = 100;
        it.bar.value = 0;
        it.bar.setAttribute("aria-label", "Upload of " + it.name);
        it.status = document.createElement("span");
        it.status.className = "muted";
        it.status.textContent = "waiting";
        li.append(label, " ", it.bar, " ", it.status);
        list.appendChild(li);
      });
      var failed = 0, i = 0, done = form.action;
      function reason(xhr) {
        try {
          var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
          var m = doc.querySelector("[data-testid=error-message]");
          if (m && m.textContent) { return m.textContent.trim(); }
        } catch (e) { /* fall through */ }
        return "the console answered " + xhr.status;
      }
      function finish() {
        summary.textContent = (items.length - failed) + " of " + items.length + " files uploaded." +
          (failed ? " " + failed + " failed: see why in the list above, then reload the folder." : "");
        summary.hidden = false;
        if (button) { button.disabled = false; }
        if (!failed) { window.location.href = done; }
      }
      function next() {
        if (i >= items.length) { finish(); return; }
        var it = items[i++];
        var fd = new FormData();
        fd.append("prefix", form.elements.prefix ? form.elements.prefix.value : "");
        fd.append("folder", form.elements.folder ? form.elements.folder.value : "");
        fd.append(it.field, it.file, it.name);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        it.status.textContent = "uploading";
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) { it.bar.max = e.total; it.bar.value = e.loaded; }
        });
        xhr.addEventListener("load", function () {
          if (xhr.status >= 400) {
            failed++;
            it.status.textContent = "failed: " + reason(xhr);
          } else {
            it.bar.value = it.bar.max;
            it.status.textContent = "done";
            done = xhr.responseURL || done;
          }
          next();
        });
        xhr.addEventListener("error", function () {
          failed++;
          it.status.textContent = "failed: the connection broke";
          next();
        });
        xhr.send(fd);
      }
      next();
    });
  });
})();

// Live panels and logs (issue 16). A panel with data-poll="<url>" and data-poll-every="<seconds>" is
// replaced by the element with the same id in the page at that URL, while the page is visible; the
// new panel's own data-poll-every sets the next delay (quick while a deployment changes, slow once
// it settles). A change of its data-state is announced. A <pre data-src> with a Follow checkbox
// (data-follow) reloads its text from data-src every few seconds while ticked and stays scrolled to
// the end. Without JavaScript both pages have a Refresh link.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) { return; }

  function fetchDoc(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
      if (!r.ok) { throw new Error("status " + r.status); }
      return r.text();
    }).then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  }

  function announce(text) {
    var live = document.getElementById("live");
    if (live) { live.textContent = text; }
  }

  function poll(id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var secs = parseInt(el.getAttribute("data-poll-every"), 10) || 15;
    setTimeout(function () {
      var cur = document.getElementById(id);
      if (!cur) { return; }
      var busy = cur.contains(document.activeElement) && document.activeElement !== document.body;
      if (document.visibilityState !== "visible" || busy) { poll(id); return; }
      fetchDoc(cur.getAttribute("data-poll")).then(function (doc) {
        var next = doc.getElementById(id);
        if (next) {
          var before = cur.getAttribute("data-state");
          cur.replaceWith(document.importNode(next, true));
          var after = next.getAttribute("data-state");
          if (after && after !== before) { announce("Deployment " + after); }
        }
        poll(id);
      }, function () { poll(id); });
    }, secs * 1000);
  }
  document.querySelectorAll("[data-poll][id]").forEach(function (el) { poll(el.id); });

  document.querySelectorAll("[data-follow]").forEach(function (box) {
    var pre = document.querySelector(box.getAttribute("data-follow"));
    if (!pre) { return; }
    var control = box.closest("[data-follow-control]");
    if (control) { control.hidden = false; }
    var timer = null;
    function tick() {
      fetchDoc(pre.getAttribute("data-src")).then(function (doc) {
        var fresh = doc.getElementById(pre.id);
        if (fresh) {
          pre.textContent = fresh.textContent;
          pre.hidden = fresh.hidden;
          pre.scrollTop = pre.scrollHeight;
        }
      }, function () {});
    }
    box.addEventListener("change", function () {
      if (timer) { clearInterval(timer); timer = null; }
      if (box.checked) {
        pre.setAttribute("data-following", "true");
        tick();
        timer = setInterval(function () { if (document.visibilityState === "visible") { tick(); } }, 3000);
      } else {
        pre.removeAttribute("data-following");
      }
    });
  });
})();

// Focus on error (added with the browser tests, issue 8): a refused form comes back with an error
// summary (#form-errors, tabindex="-1") listing each problem with a link to its field. Move the focus
// there, as the GOV.UK pattern does, so keyboard and screen-reader users land on the problems instead
// of at the top of the page; without a summary, focus the first invalid field.
(function () {
  "use strict";
  var target = document.getElementById("form-errors") || document.querySelector('[aria-invalid="true"]');
  if (target && typeof target.focus === "function") { target.focus(); }
})();

// App forms (issue 20): the workspace radios (data-workspace) show only the fields of the mode chosen
// (data-workspace-part="<mode>"). Without JavaScript every field is shown, and the server reads only
// those of the chosen mode.
(function () {
  "use strict";
  var radios = document.querySelectorAll("input[data-workspace]");
  if (!radios.length) { return; }
  function sync() {
    var mode = "";
    radios.forEach(function (r) { if (r.checked) { mode = r.value; } });
    document.querySelectorAll("[data-workspace-part]").forEach(function (el) {
      el.hidden = el.getAttribute("data-workspace-part") !== mode;
    });
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();
