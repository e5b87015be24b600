// The signed-in patient's consents (/api/consents): list with app and network names, history, withdraw.
"use strict";

const purposes = { TREAT: "treatment", ETREAT: "emergency treatment", HPAYMT: "payment", HOPERAT: "operations",
  PATRQT: "your request", PUBHLTH: "public health", BTG: "break the glass (emergencies)" };

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
  return td;
}

function status(text) {
  document.getElementById("status").textContent = text;
}

async function send(url, options) {
  const response = await fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, ...options });
  if (response.status === 401) {
    location.href = `/account/signin?returnUrl=${encodeURIComponent(location.pathname)}`;
    return null;
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.title ?? `The service answered ${response.status}.`);
  }
  return response.json();
}

async function showHistory(consent) {
  const versions = await send(`/api/consents/${encodeURIComponent(consent.id)}/history`);
  if (!versions) return;
  const list = document.getElementById("history-rows");
  list.replaceChildren(...versions.map(v => {
    const item = document.createElement("li");
    const by = v.changedBy.startsWith("Patient/") ? "you" : v.changedBy.replace("urn:identityconsent:client|", "app ");
    item.textContent = `Version ${v.versionId}: ${v.status}, ${new Date(v.recordedAt).toLocaleString()}, by ${by}`;
    return item;
  }));
  document.getElementById("history").hidden = false;
  document.getElementById("history-title").textContent = `History of the consent for ${names(consent)}`;
}

function names(consent) {
  return consent.actors.length === 0 ? "everyone" : consent.actors.map(a => a.kind === "network" ? `${a.name} (network)` : a.name).join(", ");
}

async function withdraw(consent, button) {
  button.disabled = true;
  try {
    await send(`/api/consents/${encodeURIComponent(consent.id)}/withdraw`, { method: "POST" });
    status(consent.appGrant ? "Withdrawn: the app no longer has access." : "Withdrawn.");
    await load();
  } catch (error) {
    status(error.message);
    button.disabled = false;
  }
}

async function load() {
  const consents = await send("/api/consents");
  if (!consents) return;
  const rows = document.getElementById("consent-rows");
  rows.replaceChildren();
  for (const consent of consents) {
    const row = document.createElement("tr");
    cell(row, names(consent));
    cell(row, consent.type === "deny" ? "Deny" : consent.type === "permit" ? "Allow" : "See details");
    const why = consent.purposes.length ? consent.purposes.map(p => purposes[p] ?? p).join(", ") : "any purpose";
    cell(row, consent.scopes.length ? `${consent.scopes.join(" ")} · for ${why}` : `for ${why}${consent.exceptions ? ` · ${consent.exceptions} exception(s)` : ""}`);
    cell(row, consent.period?.end ? new Date(consent.period.end).toLocaleDateString() : "until withdrawn");
    cell(row, consent.status === "active" ? "Active" : consent.status === "inactive" ? "Withdrawn" : consent.status);
    const actions = cell(row, "");
    const history = document.createElement("button");
    history.type = "button";
    history.textContent = "History";
    history.addEventListener("click", () => showHistory(consent).catch(e => status(e.message)));
    actions.append(history);
    if (consent.status === "active") {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Withdraw";
      button.dataset.consent = consent.id;
      button.addEventListener("click", () => withdraw(consent, button));
      actions.append(" ", button);
    }
    rows.append(row);
  }
  status(consents.length ? "" : "You have no consents yet.");
}

load().catch(error => status(error.message));
