// The chat, streamed: POST /api/agents/query with the session cookie and the CSRF header, read the
// Server-Sent Events as they arrive, show tool calls and answer text live (as text, never as HTML), then
// swap in the server-rendered answer (Markdown rendered safely on the server). Without this script the
// form posts and the page reloads with the answer.
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  if (!form || !window.fetch || !window.TextDecoder) return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var box = document.getElementById("question");
  var button = document.getElementById("ask-button");
  var status = document.getElementById("ask-status");
  var conversation = document.getElementById("conversation");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function parseFrames(buffer, onEvent) {
    var parts = buffer.split("\n\n");
    var rest = parts.pop();
    parts.forEach(function (frame) {
      var name = "message", data = [];
      frame.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    });
    return rest;
  }

  function ask(question) {
    var empty = document.getElementById("empty-conversation");
    if (empty) empty.remove();
    var live = el("article", "answer live");
    live.setAttribute("aria-busy", "true");
    live.appendChild(el("h3", "question", question));
    var tools = el("ol", "tools");
    var text = el("div", "streaming");
    text.id = "streaming-answer";
    live.appendChild(tools);
    live.appendChild(text);
    conversation.appendChild(live);
    button.disabled = true;
    status.textContent = "Asking…";

    function finish(message) {
      button.disabled = false;
      status.textContent = message;
      live.removeAttribute("aria-busy");
    }

    fetch("/api/agents/query", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "X-CSRF-Token": csrf },
      body: JSON.stringify({ question: question })
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      if (!response.ok || type.indexOf("text/event-stream") === -1) {
        return response.json().then(function (body) {
          var message = (body && body.error && body.error.message) || ("error " + response.status);
          text.appendChild(el("p", "error", message));
          finish("The question could not be answered.");
        });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function onEvent(name, data) {
        if (name === "tool_call") {
          tools.appendChild(el("li", null, "Calling " + data.name + "…"));
          status.textContent = "Running " + data.name + "…";
        } else if (name === "tool_result") {
          tools.appendChild(el("li", "summary", data.name + ": " + data.summary));
        } else if (name === "token") {
          text.textContent += data.text;
          status.textContent = "Answering…";
        } else if (name === "reset") {
          text.textContent = "";
        } else if (name === "queued") {
          text.textContent = "Every sandbox is busy; your question is queued.";
        } else if (name === "done") {
          fetch("/chat/answers/" + encodeURIComponent(data.query_id), { credentials: "same-origin" })
            .then(function (r) { return r.text(); })
            .then(function (html) {
              var holder = document.createElement("div");
              holder.innerHTML = html;  // server-rendered and escaped there
              var rendered = holder.firstElementChild;
              conversation.replaceChild(rendered, live);
              finish("Answered in " + data.latency_ms + " ms.");
            });
        } else if (name === "error") {
          text.appendChild(el("p", "error", data.error.message));
          finish("The question failed.");
        }
      }
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer = parseFrames(buffer + decoder.decode(chunk.value, { stream: true }), onEvent);
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      finish("The connection failed; try again.");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = box.value.trim();
    if (!question) { box.focus(); return; }
    box.value = "";
    ask(question);
  });

  var suggestions = document.getElementById("suggestion-form");
  if (suggestions) {
    suggestions.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = event.submitter;
      if (chosen && chosen.value) ask(chosen.value);
    });
  }
})();
