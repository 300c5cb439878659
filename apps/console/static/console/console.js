/* iSamurai console: a little JavaScript for live progress, copy buttons and one-frame previews.
   Uses the same-origin JSON API with the session cookie and the CSRF token. No build step. */
(function () {
  "use strict";

  var FINISHED = ["Done", "Failed", "Cancelled"];

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || ("The server answered " + response.status + "."));
        }
        return data;
      });
    });
  }

  function statusClass(status) { return "status-" + String(status).toLowerCase(); }

  function setStatusClass(el, status) {
    el.className = el.className.replace(/\bstatus-\w+/g, "").trim() + " " + statusClass(status);
  }

  /* ---- live progress: rows/cards carrying data-job-id and data-active="1" ---- */
  function pollJobs(intervalMs) {
    intervalMs = intervalMs || 1000;
    function activeElements() { return document.querySelectorAll('[data-job-id][data-active="1"]'); }
    if (!activeElements().length) { return; }

    function update(el, job) {
      var status = el.querySelector(".js-status");
      if (status) { status.textContent = job.status; setStatusClass(status, job.status); }
      var bar = el.querySelector(".js-bar");
      if (bar) { bar.style.width = job.progress_percentage + "%"; setStatusClass(bar, job.status); }
      var pct = el.querySelector(".js-pct");
      if (pct) { pct.textContent = job.progress_percentage + "%"; }
      var progress = el.querySelector(".progress");
      if (progress) { progress.setAttribute("aria-valuenow", job.progress_percentage); }
      var queue = el.querySelector(".js-queue");
      if (queue) { queue.textContent = job.queue_position ? "#" + job.queue_position + " in the queue, " + job.eta_text : ""; }
      el.setAttribute("data-status", job.status);
    }

    function tick() {
      var elements = activeElements();
      if (!elements.length) { return; }
      var ids = Array.prototype.map.call(elements, function (el) { return el.getAttribute("data-job-id"); });
      var query = ids.map(function (id) { return "id=" + encodeURIComponent(id); }).join("&");
      fetch("/jobs/status/?" + query, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          var finishedNow = false;
          data.jobs.forEach(function (job) {
            document.querySelectorAll('[data-job-id="' + job.id + '"]').forEach(function (el) {
              update(el, job);
              if (FINISHED.indexOf(job.status) >= 0) { el.setAttribute("data-active", "0"); finishedNow = true; }
            });
          });
          var balance = document.getElementById("balance");
          if (balance && typeof data.balance === "number") { balance.textContent = data.balance; }
          if (finishedNow) {
            // The server renders the final state: output player, download link, no cancel button.
            window.location.reload();
            return;
          }
          setTimeout(tick, intervalMs);
        })
        .catch(function () { setTimeout(tick, intervalMs * 3); });
    }
    setTimeout(tick, intervalMs);
  }

  /* ---- copy buttons ---- */
  function bindCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-copy-target"));
        if (!input) { return; }
        function done() { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 2000); }
        input.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  /* ---- files and frames ---- */
  function readDataURL(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(new Error("Could not read " + file.name + ".")); };
      reader.readAsDataURL(file);
    });
  }

  function stripDataURL(url) { return String(url).replace(/^data:[^,]*,/, ""); }

  /* A frame picker: shows the chosen target (image, or video with a scrub bar) and grabs the
     shown frame as a JPEG (base64, no prefix). */
  function FramePicker(container) {
    this.container = container;
    this.input = document.getElementById(container.getAttribute("data-input"));
    this.media = null;
    this.onready = null;
    var self = this;
    if (this.input) {
      this.input.addEventListener("change", function () { self.load(); });
      if (this.input.files && this.input.files.length) { this.load(); }
    }
  }

  FramePicker.prototype.load = function () {
    var self = this, file = this.input.files && this.input.files[0];
    this.container.innerHTML = "";
    this.media = null;
    if (self.onready) { self.onready(false); }
    if (!file) { return; }
    var url = URL.createObjectURL(file);
    if (file.type.indexOf("video") === 0 || /\.(mp4|mov)$/i.test(file.name)) {
      var video = document.createElement("video");
      video.muted = true; video.playsInline = true; video.preload = "auto"; video.src = url;
      video.className = "js-frame-video";
      var slider = document.createElement("input");
      slider.type = "range"; slider.min = 0; slider.step = "any"; slider.value = 0; slider.className = "js-frame-slider";
      slider.setAttribute("aria-label", "Frame");
      video.addEventListener("loadedmetadata", function () {
        slider.max = Math.max(0, video.duration - 0.05);
        video.currentTime = Math.min(0.5, slider.max / 2);
      });
      video.addEventListener("seeked", function () {
        slider.value = video.currentTime;
        self.media = video;
        if (self.onready) { self.onready(true); }
      });
      slider.addEventListener("input", function () { video.currentTime = parseFloat(slider.value); });
      this.container.appendChild(video);
      this.container.appendChild(slider);
    } else {
      var img = document.createElement("img");
      img.alt = "Target";
      img.onload = function () { self.media = img; if (self.onready) { self.onready(true); } };
      img.src = url;
      this.container.appendChild(img);
    }
  };

  FramePicker.prototype.grab = function () {
    var media = this.media;
    if (!media) { throw new Error("Choose a target first."); }
    var width = media.videoWidth || media.naturalWidth, height = media.videoHeight || media.naturalHeight;
    var canvas = document.createElement("canvas");
    canvas.width = width; canvas.height = height;
    canvas.getContext("2d").drawImage(media, 0, 0, width, height);
    return stripDataURL(canvas.toDataURL("image/jpeg", 0.92));
  };

  function setText(id, text, isError) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("error", !!isError);
  }

  function showPreview(b64) {
    var box = document.getElementById("preview-result");
    document.getElementById("preview-image").src = "data:image/jpeg;base64," + b64;
    box.hidden = false;
  }

  /* The form's options as API fields, for the previews: the list (name, kind, default) comes
     from the options schema, rendered into the page as JSON (#option-fields); nothing is
     repeated here. Kinds: bool (checkbox), choice (select), choices (checkboxes), number. */
  function formOptions(root) {
    var data = document.getElementById("option-fields");
    var options = {};
    if (!data) { return options; }
    JSON.parse(data.textContent || "[]").forEach(function (option) {
      var name = option.name, input = root.querySelector("#id_" + name);
      if (option.kind === "bool") {
        options[name] = !!(input && input.checked);
      } else if (option.kind === "choices") {
        var chosen = Array.prototype.map.call(
          root.querySelectorAll('input[name="' + name + '"]:checked'), function (box) { return box.value; });
        options[name] = chosen.length ? chosen : option.default;
      } else if (option.kind === "number") {
        if (input && input.value !== "") { options[name] = Number(input.value); }
      } else if (input && input.value !== "") {
        options[name] = input.value;
      }
    });
    return options;
  }

  /* ---- face swap page ---- */
  function faceSwapPage() {
    var picker = new FramePicker(document.querySelector(".js-frame-picker"));
    var button = document.getElementById("preview-button");
    var form = document.getElementById("faceswap-form");
    picker.onready = function (ready) { button.disabled = !ready; };
    button.addEventListener("click", function () {
      var sourceFile = form.querySelector("#id_source_image").files[0];
      var sourceId = form.querySelector("#id_source_id").value;
      var body = formOptions(form);  // options a preview doesn't take (gquality) are ignored by the API
      var target;
      try { target = picker.grab(); } catch (e) { setText("preview-status", e.message, true); return; }
      body.target_image_base64 = target;
      if (!sourceFile && !sourceId) { setText("preview-status", "Choose a source face first.", true); return; }
      button.disabled = true;
      setText("preview-status", "Swapping one frame…");
      var source = sourceId ? Promise.resolve(null) : readDataURL(sourceFile);
      source.then(function (dataUrl) {
        if (sourceId) { body.source_id = sourceId; } else { body.source_image_base64 = stripDataURL(dataUrl); }
        return postJSON("/api/preview-swap-api/", body);
      }).then(function (data) {
        showPreview(data.image_base64);
        setText("preview-status", "Preview ready.");
        refreshBalance();
      }).catch(function (e) {
        setText("preview-status", e.message, true);
      }).then(function () { button.disabled = false; });
    });
  }

  function refreshBalance() {
    fetch("/jobs/status/", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      var balance = document.getElementById("balance");
      if (balance) { balance.textContent = data.balance; }
    }).catch(function () {});
  }

  /* ---- multi swap page ---- */
  function multiSwapPage() {
    var picker = new FramePicker(document.querySelector(".js-frame-picker"));
    var detect = document.getElementById("detect-button");
    var previewButton = document.getElementById("multi-preview-button");
    var analysisInput = document.getElementById("id_analysis");
    var personsBox = document.getElementById("persons");
    var gallery = JSON.parse(document.getElementById("gallery-data").textContent || "[]");
    var state = {frame: null, persons: []};
    picker.onready = function (ready) { detect.disabled = !ready; };

    function personCard(person) {
      var card = document.createElement("div");
      card.className = "person";
      card.setAttribute("data-person-id", person.person_id);
      var img = document.createElement("img");
      img.src = "data:image/jpeg;base64," + person.thumbnail;
      img.alt = person.person_id;
      var right = document.createElement("div");
      var label = document.createElement("label");
      label.textContent = person.person_id + ": source face";
      label.htmlFor = "source_" + person.person_id;
      var file = document.createElement("input");
      file.type = "file"; file.accept = "image/jpeg,image/png"; file.name = "source_" + person.person_id;
      file.id = "source_" + person.person_id;
      right.appendChild(label);
      right.appendChild(file);
      if (gallery.length) {
        var select = document.createElement("select");
        select.name = "source_id_" + person.person_id;
        var none = document.createElement("option");
        none.value = ""; none.textContent = "…or a gallery source";
        select.appendChild(none);
        gallery.forEach(function (g) {
          var option = document.createElement("option");
          option.value = g.id; option.textContent = g.label;
          select.appendChild(option);
        });
        right.appendChild(select);
      }
      card.appendChild(img);
      card.appendChild(right);
      return card;
    }

    detect.addEventListener("click", function () {
      var frame;
      try { frame = picker.grab(); } catch (e) { setText("detect-status", e.message, true); return; }
      detect.disabled = true;
      setText("detect-status", "Detecting…");
      postJSON("/api/analyse-frame/", {target_image_base64: frame}).then(function (data) {
        state.frame = frame;
        state.persons = data.analysis;
        analysisInput.value = JSON.stringify(data.analysis.map(function (p) {
          return {person_id: p.person_id, thumbnail: p.thumbnail};
        }));
        personsBox.innerHTML = "";
        if (!data.analysis.length) {
          personsBox.innerHTML = '<p class="muted">No face in this frame; pick another one.</p>';
        }
        data.analysis.forEach(function (p) { personsBox.appendChild(personCard(p)); });
        previewButton.disabled = !data.analysis.length;
        setText("detect-status", data.analysis.length + " person(s) found.");
      }).catch(function (e) { setText("detect-status", e.message, true); })
        .then(function () { detect.disabled = false; });
    });

    previewButton.addEventListener("click", function () {
      if (!state.frame) { return; }
      previewButton.disabled = true;
      setText("multi-preview-status", "Swapping one frame…");
      var entries = state.persons.map(function (p) {
        var entry = {person_id: p.person_id, thumbnail: p.thumbnail};
        var file = document.getElementById("source_" + p.person_id).files[0];
        var select = document.querySelector('select[name="source_id_' + p.person_id + '"]');
        if (file) {
          return readDataURL(file).then(function (url) { entry.source_image = stripDataURL(url); return entry; });
        }
        if (select && select.value) { entry.source_id = select.value; }
        return Promise.resolve(entry);
      });
      Promise.all(entries).then(function (results) {
        var body = formOptions(document);
        body.target_image_base64 = state.frame;
        body.analysis_results = results;
        return postJSON("/api/multi-preview-swap-api/", body);
      }).then(function (data) {
        showPreview(data.preview_image);
        setText("multi-preview-status", "Preview ready.");
        refreshBalance();
      }).catch(function (e) { setText("multi-preview-status", e.message, true); })
        .then(function () { previewButton.disabled = false; });
    });
  }

  /* Behaviour that used to be inline (the pages' CSP runs no inline script or style attribute). */
  function bindPage() {
    bindCopyButtons();
    document.querySelectorAll(".js-bar[data-progress]").forEach(function (bar) {
      bar.style.width = bar.getAttribute("data-progress") + "%";
    });
    document.querySelectorAll("[data-select-on-click]").forEach(function (input) {
      input.addEventListener("click", function () { input.select(); });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    var start = {jobs: pollJobs, faceswap: faceSwapPage, multiswap: multiSwapPage}[document.body.getAttribute("data-page")];
    if (start) { start(); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", bindPage); } else { bindPage(); }

  window.Console = {pollJobs: pollJobs, faceSwapPage: faceSwapPage, multiSwapPage: multiSwapPage, postJSON: postJSON};
})();
