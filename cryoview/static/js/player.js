// The player: transcript timestamps seek; the quality switch (the smallest rendition first on a narrow screen
// or when the browser asks to save data; switching keeps the position); a video still processing shows its
// stage in plain words; the caption editor adds and removes rows.
(function () {
  "use strict";
  var video = document.getElementById("player");
  document.querySelectorAll("[data-seek]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!video) { return; }
      video.currentTime = parseFloat(button.getAttribute("data-seek"));
      video.play();
    });
  });

  var qualitySwitch = document.querySelector("[data-quality-for=player]");
  if (video && qualitySwitch) {
    var buttons = Array.prototype.slice.call(qualitySwitch.querySelectorAll("[data-quality-src]"));
    var mark = function (quality) {
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-quality") === quality)); });
      video.setAttribute("data-quality", quality);
    };
    var choose = function (button) {
      var position = video.currentTime; var playing = !video.paused;
      if (video.getAttribute("data-quality") === button.getAttribute("data-quality")) { return; }
      video.src = button.getAttribute("data-quality-src");
      mark(button.getAttribute("data-quality"));
      video.addEventListener("loadedmetadata", function restore() {
        video.removeEventListener("loadedmetadata", restore);
        if (position > 0) { video.currentTime = position; }
        if (playing) { video.play(); }
      });
      video.load();
    };
    buttons.forEach(function (b) { b.addEventListener("click", function () { choose(b); }); });
    var connection = navigator.connection || {};
    var small = window.matchMedia("(max-width: 600px)").matches || connection.saveData === true;
    if (small && buttons.length) { choose(buttons[buttons.length - 1]); }
    mark(video.getAttribute("data-quality"));
    qualitySwitch.hidden = false;
  }

  // ?t=42 (a search hit in the transcript, a shared moment): start playing there once the video can seek.
  var start = parseFloat(new URLSearchParams(window.location.search).get("t"));
  if (video && isFinite(start) && start > 0) {
    var startAt = function () {
      video.currentTime = video.duration ? Math.min(start, video.duration) : start;
      var playing = video.play();
      if (playing && playing.catch) { playing.catch(function () {}); }  // autoplay refused: the position stays
    };
    if (video.readyState >= 1) { startAt(); } else { video.addEventListener("loadedmetadata", startAt, { once: true }); }
  }

  var editor = document.querySelector("[data-cue-editor]");
  if (editor) {
    var body = editor.querySelector("tbody");
    var renumber = function () {
      Array.prototype.forEach.call(body.rows, function (row, index) {
        row.querySelectorAll("[data-label]").forEach(function (field) {
          field.setAttribute("aria-label", field.getAttribute("data-label") + " " + (index + 1));
        });
      });
    };
    editor.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-cue]");
      if (remove) {
        var row = remove.closest("tr");
        if (body.rows.length > 1) { row.remove(); } else { row.querySelectorAll("input, textarea").forEach(function (f) { f.value = ""; }); }
        renumber();
      }
      if (event.target.closest("[data-add-cue]")) {
        var last = body.rows[body.rows.length - 1];
        var fresh = last.cloneNode(true);
        fresh.querySelectorAll("input, textarea").forEach(function (f) { f.value = ""; });
        var end = last.querySelector("[name=cue-end]").value;
        fresh.querySelector("[name=cue-start]").value = end;
        body.appendChild(fresh);
        renumber();
        fresh.querySelector("[name=cue-start]").focus();
      }
    });
  }

  var status = document.getElementById("live-status");
  if (!status) { return; }
  var url = status.getAttribute("data-url");
  function clock(seconds) {
    seconds = Math.max(1, Math.round(seconds));
    return seconds >= 60 ? Math.floor(seconds / 60) + " min " + (seconds % 60) + " s" : seconds + " s";
  }
  function tick() {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (v) {
      if (v.status === "ready") { window.location.reload(); return; }
      var text = v.stage_label + " · " + Math.round(100 * v.progress) + " %";
      if (v.queue_position) { text += " · " + v.queue_position + " ahead of yours"; }
      text += v.eta_seconds ? " · about " + clock(v.eta_seconds) + " left" : " · estimating the time left…";
      if (v.status === "failed" && v.error) { text = v.error.message; }
      status.textContent = text;
      if (v.status !== "failed") { setTimeout(tick, 2000); }
    });
  }
  tick();
})();
