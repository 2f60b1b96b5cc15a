// Resumable upload (tus 1.0) with progress, speed and time left. Resumes after a dropped network or a
// reload (choose the same file again). No library: the protocol is four requests.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("video-file");
  var bar = document.getElementById("upload-bar");
  var label = document.getElementById("upload-status");
  var statusBox = document.getElementById("processing-status");
  var endpoint = form.getAttribute("data-endpoint");
  var videosEndpoint = form.getAttribute("data-videos");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var CHUNK = 8 * 1024 * 1024;
  var TUS = "1.0.0";

  function key(file) { return "cryoview-upload:" + [file.name, file.size, file.lastModified].join(":"); }
  function say(text) { label.textContent = text; }
  function human(bytes) {
    var units = ["B", "KB", "MB", "GB"]; var i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
    return bytes.toFixed(i ? 1 : 0) + " " + units[i];
  }
  function clock(seconds) {
    if (!isFinite(seconds)) { return "…"; }
    seconds = Math.round(seconds);
    return seconds >= 60 ? Math.floor(seconds / 60) + " min " + (seconds % 60) + " s" : seconds + " s";
  }
  function b64(text) { return btoa(unescape(encodeURIComponent(text))); }

  function request(method, url, headers, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      headers["Tus-Resumable"] = TUS;
      headers["X-CSRFToken"] = csrf;
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      if (onProgress) { xhr.upload.onprogress = onProgress; }
      xhr.onload = function () { resolve(xhr); };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.send(body || null);
    });
  }
  function problem(xhr) {
    try { return JSON.parse(xhr.responseText).detail; } catch (e) { return "The server answered " + xhr.status + "."; }
  }

  async function locate(file) {
    var saved = localStorage.getItem(key(file));
    if (saved) {
      var head = await request("HEAD", saved, {});
      if (head.status === 200) { return { url: saved, offset: parseInt(head.getResponseHeader("Upload-Offset"), 10) }; }
      localStorage.removeItem(key(file));
    }
    var created = await request("POST", endpoint, {
      "Upload-Length": String(file.size),
      "Upload-Metadata": "filename " + b64(file.name) + ",filetype " + b64(file.type || "")
    });
    if (created.status !== 201) { throw new Error(problem(created)); }
    var url = created.getResponseHeader("Location");
    localStorage.setItem(key(file), url);
    return { url: url, offset: 0 };
  }

  async function send(file) {
    var target = await locate(file);
    var offset = target.offset;
    var started = Date.now(); var startOffset = offset; var wait = 1000;
    if (offset > 0) { say("Resuming at " + Math.floor(100 * offset / file.size) + " %…"); }
    while (offset < file.size) {
      var chunk = file.slice(offset, Math.min(offset + CHUNK, file.size));
      try {
        var patched = await request("PATCH", target.url, { "Content-Type": "application/offset+octet-stream",
          "Upload-Offset": String(offset) }, chunk, function (event) {
          var done = offset + event.loaded;
          var speed = (done - startOffset) / Math.max(0.001, (Date.now() - started) / 1000);
          bar.value = done / file.size;
          say(Math.floor(100 * done / file.size) + " % · " + human(speed) + "/s · " +
              clock((file.size - done) / speed) + " left");
        });
        if (patched.status === 204) {
          offset = parseInt(patched.getResponseHeader("Upload-Offset"), 10); wait = 1000; continue;
        }
        if (patched.status === 409 || patched.status === 423) {
          var head = await request("HEAD", target.url, {});
          offset = parseInt(head.getResponseHeader("Upload-Offset"), 10); continue;
        }
        localStorage.removeItem(key(file));
        throw new Error(problem(patched));
      } catch (error) {
        if (error.message !== "network") { throw error; }
        say("Connection lost; retrying in " + Math.round(wait / 1000) + " s…");
        await new Promise(function (r) { setTimeout(r, wait); });
        wait = Math.min(wait * 2, 30000);
        var again = await request("HEAD", target.url, {}).catch(function () { return null; });
        if (again && again.status === 200) { offset = parseInt(again.getResponseHeader("Upload-Offset"), 10); }
      }
    }
    return target.url.split("/").pop();
  }

  async function register(uploadId, file) {
    var response = await fetch(videosEndpoint, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify({ upload_id: uploadId }) });
    var body = await response.json();
    localStorage.removeItem(key(file));
    if (!response.ok) { throw new Error(body.detail || "The video was refused."); }
    return body.id;
  }

  async function follow(videoId) {
    statusBox.hidden = false;
    var link = statusBox.querySelector("a");
    link.href = "/videos/" + videoId + "/";
    for (;;) {
      var response = await fetch(videosEndpoint + "/" + videoId, { credentials: "same-origin" });
      var video = await response.json();
      var text = "Status: " + video.status + " · " + video.stage + " · " + Math.round(100 * video.progress) + " %";
      if (video.queue_position) { text += " · position in queue: " + video.queue_position; }
      if (video.eta_seconds) { text += " · ready in about " + clock(video.eta_seconds); }
      statusBox.querySelector("p").textContent = text;
      if (video.status === "ready") {
        statusBox.querySelector("p").textContent = "Ready.";
        link.hidden = false;
        var reviewUrl = form.getAttribute("data-review-url");
        if (reviewUrl) {
          var next = document.getElementById("review-link");
          next.href = reviewUrl + "?video=" + encodeURIComponent(videoId);
          next.hidden = false;
        }
        return;
      }
      if (video.status === "failed") { statusBox.querySelector("p").textContent = video.error.message; return; }
      await new Promise(function (r) { setTimeout(r, 2000); });
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var file = input.files[0];
    if (!file) { say("Choose a video first."); return; }
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    if (file.size > max) { say("The file is " + human(file.size) + "; the limit is " + human(max) + "."); return; }
    form.querySelector("button").disabled = true;
    try {
      var uploadId = await send(file);
      say("Uploaded. Checking the file…");
      var videoId = await register(uploadId, file);
      say("Uploaded and accepted.");
      await follow(videoId);
    } catch (error) {
      say(error.message);
    } finally {
      form.querySelector("button").disabled = false;
    }
  });
  window.addEventListener("online", function () { say("Back online."); });
})();
