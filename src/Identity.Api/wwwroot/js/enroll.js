// Enrolment with a mobile driving licence: start an OpenID4VP request, let a wallet answer it (Digital Credentials
// API on this device, wallet link / QR code, or the Development demo wallet), then create the passkey.
"use strict";

const show = (id, visible = true) => { document.getElementById(id).hidden = !visible; };

async function enrollmentState(id) {
  const response = await fetch(`/api/enrollment/${encodeURIComponent(id)}`, { credentials: "same-origin" });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(data?.detail || data?.title || `Request failed (${response.status})`);
    error.code = data?.code;
    throw error;
  }
  return data;
}

function describeFailure(code) {
  if (code?.startsWith("mdoc_")) return `Your licence could not be verified (${code}). Nothing was stored.`;
  return `The licence was not accepted (${code}). Nothing was stored.`;
}

function showVerified(id, state) {
  show("choose", false);
  show("passkey-step");
  show("recovery-note", state.outcome === "recovery");
  say(state.outcome === "recovery"
    ? "Licence verified. Create a new passkey for your account."
    : "Licence verified. Now create the passkey that protects your account.");
  document.getElementById("create-passkey").addEventListener("click", async () => {
    say("Follow your device's prompt to create the passkey…");
    try {
      await createPasskey(`/api/enrollment/${id}/passkey/options`, `/api/enrollment/${id}/passkey`);
      say("Your account is ready.");
      location.assign("/account/passkeys");
    } catch (error) {
      say(explain(error), true);
    }
  });
}

async function follow(id) {
  for (;;) {
    let state;
    try {
      state = await enrollmentState(id);
    } catch (error) {
      say(error.code === "enrollment_other_browser"
        ? "Your licence was shared. Continue on the device where you started."
        : explain(error), true);
      return;
    }
    if (state.status === "verified") { showVerified(id, state); return; }
    if (state.status === "failed") { say(describeFailure(state.code), true); return; }
    if (state.status === "completed") { location.assign("/account/passkeys"); return; }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function useDigitalCredentialsApi(id, request) {
  say("Choose your driving licence in your wallet…");
  try {
    const credential = await navigator.credentials.get(request);
    await postJson(`/api/enrollment/${id}/dc-api`, { protocol: credential.protocol, data: credential.data });
  } catch (error) {
    say(explain(error), true);
    return;
  }
  await follow(id);
}

async function start() {
  say("Preparing the request…");
  let started;
  try {
    started = await postJson("/api/enrollment", {});
  } catch (error) {
    say(explain(error), true);
    return;
  }
  show("choose");
  say("Waiting for your wallet…");
  document.getElementById("wallet-link").href = started.walletLink;
  document.getElementById("wallet-qr").src = started.qrCode;
  if (typeof window.DigitalCredential !== "undefined" && navigator.credentials?.get) {
    show("dc-api-section");
    document.getElementById("use-dc-api").addEventListener("click",
      () => useDigitalCredentialsApi(started.id, started.digitalCredentials));
  }
  if (started.demoWallet) {
    show("demo-section");
    document.getElementById("use-demo-wallet").href = started.demoWallet;
  }
  await follow(started.id);
}

const returning = new URLSearchParams(location.search).get("session");
if (returning) {
  follow(returning);
} else {
  start();
}
