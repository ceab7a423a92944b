// The web chat page. No inline script (the CSP forbids it) and no crypto.randomUUID, which
// browsers give only to secure contexts (this page may be served over plain http on a LAN).
// Keyboard: Tab only meets the buttons that still make sense (older replies' are disabled),
// and the focus follows the talk (see showAnswer).
"use strict";
const log = document.getElementById("log");
const input = document.getElementById("text");
let csrf = document.querySelector('meta[name="csrf-token"]').content;
const shown = new Set();  // outbox ids already on the page (the inbox repeats until acknowledged)

function newId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);  // offered on plain http too
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function show(content, kind) {
  const box = document.createElement("div");
  box.className = "msg" + (kind === "me" ? " me" : kind === "notice" ? " notice" : "");
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = (kind === "me" ? log.dataset.you : log.dataset.bot) + ": ";
  box.appendChild(who);
  const body = document.createElement("span");
  if (kind === "me" || typeof content === "string") body.textContent = content;
  else body.innerHTML = content.html;  // the server escaped every value in it
  box.appendChild(body);
  if (kind === "bot" && content.buttons.length) {
    const row = document.createElement("div");
    row.className = "buttons";
    for (const [label, payload] of content.buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", () => { show(label, "me"); say({payload}, false); });
      row.appendChild(button);
    }
    box.appendChild(row);
  }
  log.appendChild(box);
  window.scrollTo(0, document.body.scrollHeight);  // the newest above the fixed input row
  return box;
}

async function call(method, path, body, retried) {
  const options = {method, headers: {"X-CSRF-Token": csrf}};
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json();
  if (response.status === 403 && data.error === "session" && !retried) {
    csrf = response.headers.get("X-CSRF-Token") || csrf;  // the server issued a new session
    return call(method, path, body, true);
  }
  if (response.status === 429) { show(data.html, "notice"); return null; }
  if (!response.ok) throw new Error(String(response.status));
  return data;
}

function showReplies(data) {
  return data ? data.replies.map((reply) => show(reply, "bot")) : [];
}

// The answer to what the person did: older buttons go stale (the server would still answer
// one properly). The focus goes to the newest reply's first button when a button was pressed
// and the reply offers choices; to the text box when the person typed (or went there while
// waiting) or the reply asks for text, so that a quick Enter never presses a button unseen.
function showAnswer(data, typed) {
  typed = typed || document.activeElement === input;
  const older = Array.from(log.querySelectorAll("button"));
  const boxes = showReplies(data);
  if (!boxes.length) return;
  for (const button of older) button.disabled = true;
  const newest = data.replies[data.replies.length - 1];
  const first = boxes[boxes.length - 1].querySelector("button");
  (typed || newest.asks_text || !first ? input : first).focus();
}

// The buttons of the newest reply that has any, when they are still live.
function newestChoices() {
  const rows = log.querySelectorAll(".buttons");
  const row = rows[rows.length - 1];
  return row && !row.firstChild.disabled ? row : null;
}

let saying = Promise.resolve();  // one message at a time: replies show in the order typed
function say(body, typed) {
  body.id = newId();
  saying = saying.then(async () => showAnswer(await call("POST", "api/send", body), typed))
    .catch(() => show(log.dataset.offline, "notice"));
}

async function poll() {
  try {
    const data = await call("GET", "api/inbox");
    if (!data) return;
    const fresh = data.replies.filter((reply) => !shown.has(reply.id));
    for (const reply of fresh) { shown.add(reply.id); show(reply, "bot"); }
    if (data.replies.length) {
      await call("POST", "api/ack", {ids: data.replies.map((reply) => reply.id)});
    }
  } catch (e) { /* tried again at the next poll */ }
}

// Shift+Tab in the text box goes to the start of the newest choices, not to their last one.
input.addEventListener("keydown", (event) => {
  const row = event.key === "Tab" && event.shiftKey && newestChoices();
  if (row) { event.preventDefault(); row.firstChild.focus(); }
});
document.getElementById("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (text) { show(text, "me"); say({text}, true); input.value = ""; }
  input.focus();
});
call("GET", "api/welcome").then(showReplies).catch(() => show(log.dataset.offline, "notice"));
setInterval(poll, 15000);
