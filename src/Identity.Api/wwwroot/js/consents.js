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

function status(text, isError = false) {
  const element = document.getElementById("status");
  element.textContent = text;
  element.classList.toggle("error", isError);
}

// A FHIR date without a time is a calendar day, not midnight UTC: shown as written, whatever the browser's time zone.
function endDate(value) {
  const day = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (!day) return new Date(value).toLocaleDateString();
  const [, year, month, date] = day;
  return new Date(Date.UTC(+year, (month ?? 1) - 1, date ?? 1)).toLocaleDateString(undefined,
    { timeZone: "UTC", year: "numeric", month: month ? (date ? "numeric" : "long") : undefined, day: date ? "numeric" : undefined });
}

// The consent whose history is shown, so a withdrawal can bring it up to date.
let historyOf = null;

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

async function showHistory(consent, moveFocus = true) {
  const versions = await send(`/api/consents/${encodeURIComponent(consent.id)}/history`);
  if (!versions) return;
  const list = document.getElementById("history-rows");
  list.replaceChildren(...versions.map(v => {
    const item = document.createElement("li");
    const by = v.changedBy.startsWith("Patient/") ? "you" : v.changedBy.replace("urn:identityconsent:client|", "app ");
    item.textContent = `Version ${v.versionId}: ${v.status}, ${new Date(v.recordedAt).toLocaleString()}, by ${by}`;
    return item;
  }));
  historyOf = consent.id;
  document.getElementById("history").hidden = false;
  const title = document.getElementById("history-title");
  title.textContent = `History of the consent for ${names(consent)}`;
  if (moveFocus) title.focus();
}

function names(consent) {
  return consent.actors.length === 0 ? "everyone" : consent.actors.map(a => a.kind === "network" ? `${a.name} (network)` : a.name).join(", ");
}

async function withdraw(consent, button) {
  const effect = consent.appGrant ? " The app loses access at once." : "";
  if (!confirm(`Withdraw your consent for ${names(consent)}?${effect} It is kept, marked inactive.`)) return;
  button.disabled = true;
  try {
    if (!await send(`/api/consents/${encodeURIComponent(consent.id)}/withdraw`, { method: "POST" })) return;
    // load() replaces the rows (and the focused button): keep keyboard focus in this consent's row.
    await load();
    document.querySelector(`#consent-rows tr[data-consent-id="${CSS.escape(consent.id)}"] button`)?.focus();
    if (historyOf === consent.id) await showHistory(consent, false);
    status(consent.appGrant ? "Withdrawn: the app no longer has access." : "Withdrawn.");
  } catch (error) {
    status(error.message, true);
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
    row.dataset.consentId = consent.id;
    cell(row, names(consent));
    cell(row, consent.type === "deny" ? "Deny" : consent.type === "permit" ? "Allow" : "See details");
    const why = consent.purposes.length ? consent.purposes.map(p => purposes[p] ?? p).join(", ") : "any purpose";
    cell(row, consent.scopes.length ? `${consent.scopes.join(" ")} · for ${why}` : `for ${why}${consent.exceptions ? ` · ${consent.exceptions} exception(s)` : ""}`);
    cell(row, consent.period?.end ? endDate(consent.period.end) : "until withdrawn");
    cell(row, consent.status === "active" ? "Active" : consent.status === "inactive" ? "Withdrawn" : consent.status);
    const actions = cell(row, "");
    const history = document.createElement("button");
    history.type = "button";
    history.textContent = "History";
    history.setAttribute("aria-label", `History of the consent for ${names(consent)}`);
    history.addEventListener("click", () => showHistory(consent).catch(e => status(e.message, true)));
    actions.append(history);
    if (consent.status === "active") {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Withdraw";
      button.setAttribute("aria-label", `Withdraw the consent for ${names(consent)}`);
      button.dataset.consent = consent.id;
      button.addEventListener("click", () => withdraw(consent, button));
      actions.append(" ", button);
    }
    rows.append(row);
  }
  status(consents.length ? "" : "You have no consents yet.");
}

load().catch(error => status(error.message, true));
