// The upload box: a resumable upload with the standard tus client (vendor/tus-js-client-4.3.1), then the
// video's processing in plain words. Resume after a reload (choose the same file again): the client keeps
// the upload's address under the file's fingerprint in localStorage. Retries with growing pauses.
(function () {
  "use strict";
  var box = document.querySelector("[data-uploader]");
  if (!box || !window.tus) { return; }
  var input = box.querySelector("input[type=file]");
  var start = box.querySelector("[data-upload-start]");
  var cancel = box.querySelector("[data-upload-cancel]");
  var bar = box.querySelector("[data-upload-bar]");
  var label = box.querySelector("[data-upload-status]");
  var panel = box.querySelector("[data-processing]");
  var panelText = box.querySelector("[data-processing-text]");
  var videosEndpoint = box.getAttribute("data-videos");
  var csrf = box.getAttribute("data-csrf");
  var current = null;

  function say(text) { label.textContent = text; }
  function human(bytes) {
    var units = ["B", "KB", "MB", "GB"]; var i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
    return bytes.toFixed(i ? 1 : 0) + " " + units[i];
  }
  function clock(seconds) {
    seconds = Math.max(1, Math.round(seconds));
    return seconds >= 60 ? Math.floor(seconds / 60) + " min " + (seconds % 60) + " s" : seconds + " s";
  }
  function detail(error) {
    var response = error && error.originalResponse;
    if (response) {
      try { return JSON.parse(response.getBody()).detail; } catch (e) { return "The server answered " + response.getStatus() + "."; }
    }
    return "The upload stopped: " + (error && error.message ? error.message.split("\n")[0] : "unknown error") + ".";
  }
  function busy(on) {
    start.disabled = on; input.disabled = on; cancel.hidden = !on; bar.hidden = !on && bar.value === 0;
  }

  function register(uploadUrl) {
    var uploadId = uploadUrl.split("/").pop();
    return fetch(videosEndpoint, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ upload_id: uploadId })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.detail || "The video was refused."); }
        return body.id;
      });
    });
  }

  function offerReview(videoId, name) {
    var selectId = box.getAttribute("data-target-select");
    if (selectId) {
      var select = document.getElementById(selectId);
      if (select) {
        var option = select.querySelector('option[value="' + videoId + '"]');
        if (!option) { option = new Option(name + " (still processing)", videoId); select.add(option); }
        select.value = videoId;
        select.dispatchEvent(new Event("change"));
      }
    }
    var offer = box.querySelector("[data-review-offer]");
    if (offer) {
      var link = document.getElementById("review-link");
      link.href = box.getAttribute("data-review-url") + "?video=" + encodeURIComponent(videoId);
      offer.hidden = false;
    }
  }

  function describe(video) {
    if (video.status === "ready") { return "Ready. Your video plays on every phone and has captions."; }
    if (video.status === "failed") { return video.error ? video.error.message : "The video could not be processed."; }
    var text = video.stage_label + " · " + Math.round(100 * video.progress) + " %";
    if (video.queue_position) { text += " · " + video.queue_position + " video" + (video.queue_position === 1 ? "" : "s") + " ahead of yours"; }
    text += video.eta_seconds ? " · about " + clock(video.eta_seconds) + " left" : " · estimating the time left…";
    return text;
  }

  function follow(videoId) {
    panel.hidden = false;
    var watch = box.querySelector("[data-watch]");
    watch.href = "/videos/" + videoId + "/";
    function tick() {
      fetch(videosEndpoint + "/" + videoId, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (video) {
          panelText.textContent = describe(video);
          panel.setAttribute("data-status", video.status);
          if (video.status === "ready") { watch.hidden = false; return; }
          if (video.status !== "failed") { setTimeout(tick, 2000); }
        })
        .catch(function () { setTimeout(tick, 5000); });
    }
    tick();
  }

  function upload(file) {
    var startedAt = null; var startBytes = 0;
    var options = {
      endpoint: box.getAttribute("data-endpoint"),
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      removeFingerprintOnSuccess: true,
      headers: { "X-CSRFToken": csrf },
      metadata: { filename: file.name, filetype: file.type || "" },
      onShouldRetry: function (error, attempt, opts) {
        var status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        if (!status || status >= 500 || status === 409 || status === 423) {
          say("Connection lost; trying again (attempt " + (attempt + 1) + ")…");
          return true;
        }
        return false;
      },
      onProgress: function (sent, total) {
        var now = Date.now();
        if (startedAt === null) { startedAt = now; startBytes = sent; }
        bar.hidden = false;
        bar.value = sent / total;
        var seconds = (now - startedAt) / 1000;
        var speed = seconds > 0.5 ? (sent - startBytes) / seconds : 0;
        var text = Math.floor(100 * sent / total) + " % of " + human(total);
        text += speed > 0 ? " · " + human(speed) + "/s · about " + clock((total - sent) / speed) + " left" : " · measuring the speed…";
        say(text);
      },
      onError: function (error) { current = null; busy(false); say(detail(error)); },
      onSuccess: function () {
        var url = current.url; current = null;
        say("Uploaded. Checking your file…");
        register(url).then(function (videoId) {
          busy(false); start.hidden = true; cancel.hidden = true; input.disabled = true;
          say("Uploaded and accepted.");
          offerReview(videoId, file.name);
          follow(videoId);
        }).catch(function (error) { busy(false); say(error.message); });
      }
    };
    current = new tus.Upload(file, options);
    busy(true);
    say("Starting…");
    current.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        current.resumeFromPreviousUpload(previous[0]);
        say("Resuming the earlier upload of this file…");
      }
      current.start();
    });
  }

  start.addEventListener("click", function () {
    var file = input.files[0];
    if (!file) { say("Choose a video first."); input.focus(); return; }
    var max = parseInt(box.getAttribute("data-max-bytes"), 10);
    if (file.size > max) { say("The file is " + human(file.size) + "; the limit is " + human(max) + "."); return; }
    upload(file);
  });
  cancel.addEventListener("click", function () {
    if (!current) { return; }
    // Paused, not deleted: choosing the same file again resumes it.
    current.abort(false).then(function () { current = null; busy(false); say("Stopped. Choose the same file again to continue where it stopped."); });
  });
  window.addEventListener("online", function () { if (current) { say("Back online."); } });
})();
