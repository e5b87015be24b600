// Passkey ceremonies for the account pages. The server speaks the WebAuthn JSON forms, so the browser's
// parse*FromJSON / toJSON do all encoding.
"use strict";

const statusEl = () => document.getElementById("status");

function say(message, isError = false) {
  const el = statusEl();
  if (!el) return;
  el.textContent = message;
  el.classList.toggle("error", isError);
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body ?? {}),
    credentials: "same-origin",
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(data?.detail || data?.title || `Request failed (${response.status})`);
    error.code = data?.code;
    error.status = response.status;
    throw error;
  }
  return data;
}

function explain(error) {
  if (error?.name === "NotAllowedError") return "The passkey request was cancelled or timed out. Try again.";
  if (error?.name === "InvalidStateError") return "This device already holds a passkey for this account.";
  return error?.message || String(error);
}

function returnUrl() {
  const value = new URLSearchParams(location.search).get("returnUrl");
  return value && value.startsWith("/") && !value.startsWith("//") ? value : "/account/passkeys";
}

async function createPasskey(optionsUrl, resultUrl, optionsBody) {
  const options = await postJson(optionsUrl, optionsBody);
  const credential = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
  });
  return postJson(resultUrl, credential.toJSON());
}

async function signIn(mediation, signal) {
  const options = await postJson("/api/passkeys/sign-in/options");
  const credential = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
    mediation,
    signal,
  });
  return postJson("/api/passkeys/sign-in", credential.toJSON());
}

function setUpRegister(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say("Follow your device's prompt to create the passkey…");
    try {
      await createPasskey("/api/passkeys/register/options", "/api/passkeys/register",
        { nickname: document.getElementById("nickname").value });
      say("Your account is ready.");
      location.assign("/account/passkeys");
    } catch (error) {
      say(explain(error), true);
    }
  });
}

function setUpSignIn(form) {
  let conditional = null;
  // The autofill and the button may both complete (a race the browser allows): navigate once.
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    location.assign(returnUrl());
  };
  // Autofill (conditional mediation): the browser offers passkeys in the account field's suggestions.
  if (window.PublicKeyCredential?.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
      if (!available) return;
      conditional = new AbortController();
      signIn("conditional", conditional.signal)
        .then(finish)
        .catch((error) => { if (error?.name !== "AbortError" && !finished) say(explain(error), true); });
    });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    conditional?.abort();
    say("Follow your device's prompt…");
    try {
      await signIn("optional");
      finish();
    } catch (error) {
      if (!finished) say(explain(error), true);
    }
  });
}

function formatDate(value) {
  return value ? new Date(value).toLocaleString() : "—";
}

async function loadPasskeys() {
  const [meResponse, listResponse] = await Promise.all([
    fetch("/api/account/me", { credentials: "same-origin" }),
    fetch("/api/passkeys", { credentials: "same-origin" }),
  ]);
  if (meResponse.status === 401 || listResponse.status === 401) {
    location.assign("/account/signin?returnUrl=" + encodeURIComponent(location.pathname));
    return;
  }
  const me = await meResponse.json();
  document.getElementById("account").textContent =
    `Signed in. Identity: ${me.identityAssurance === "ial2" ? "verified (IAL2)" : "not verified yet"}.`;
  const rows = document.getElementById("passkey-rows");
  rows.replaceChildren();
  for (const passkey of await listResponse.json()) {
    const row = document.createElement("tr");
    row.dataset.passkeyId = passkey.id;
    if (passkey.removedAt) row.classList.add("removed");
    const cells = [
      passkey.name,
      passkey.synced ? "Synced passkey" : "Device-bound passkey",
      formatDate(passkey.createdAt),
      passkey.removedAt ? `Removed ${formatDate(passkey.removedAt)}` : formatDate(passkey.lastUsedAt),
    ];
    for (const text of cells) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    const actions = document.createElement("td");
    if (!passkey.removedAt) {
      const rename = document.createElement("button");
      rename.type = "button";
      rename.className = "secondary rename";
      rename.textContent = "Rename";
      rename.setAttribute("aria-label", `Rename ${passkey.name}`);
      rename.addEventListener("click", () => renamePasskey(passkey));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary remove";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove ${passkey.name}`);
      remove.addEventListener("click", () => removePasskey(passkey));
      actions.append(rename, " ", remove);
    }
    row.append(actions);
    rows.append(row);
  }
}

async function send(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
    credentials: "same-origin",
  });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new Error(data?.detail || data?.title || `Request failed (${response.status})`);
  }
}

async function renamePasskey(passkey) {
  const name = prompt("New name for this passkey", passkey.name);
  if (!name) return;
  try {
    await send("PATCH", `/api/passkeys/${passkey.id}`, { name });
    say("Passkey renamed.");
    await loadPasskeys();
  } catch (error) {
    say(explain(error), true);
  }
}

async function removePasskey(passkey) {
  if (!confirm(`Remove "${passkey.name}"? It will no longer sign in to this account.`)) return;
  try {
    await send("DELETE", `/api/passkeys/${passkey.id}`);
    say("Passkey removed.");
    await loadPasskeys();
  } catch (error) {
    say(explain(error), true);
  }
}

function setUpPasskeys() {
  loadPasskeys().catch((error) => say(explain(error), true));
  document.getElementById("add-another-passkey").addEventListener("click", async () => {
    say("Follow your device's prompt to create the passkey…");
    try {
      await createPasskey("/api/passkeys/options", "/api/passkeys");
      say("Passkey added.");
      await loadPasskeys();
    } catch (error) {
      if (error.code === "reauthentication_required") {
        location.assign("/account/signin?returnUrl=/account/passkeys");
        return;
      }
      say(explain(error), true);
    }
  });
  document.getElementById("sign-out").addEventListener("click", async () => {
    await send("POST", "/api/account/sign-out");
    location.assign("/account/signin");
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const register = document.getElementById("register-form");
  if (register) setUpRegister(register);
  const signin = document.getElementById("signin-form");
  if (signin) setUpSignIn(signin);
  if (document.getElementById("passkey-rows")) setUpPasskeys();
});
