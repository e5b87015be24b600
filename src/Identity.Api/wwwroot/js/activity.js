// The patient's own access log (/fhir/AuditEvent?patient=me) in plain language, plus the chain proof (/audit/verify?patient=me).
"use strict";

const actions = { C: "added", U: "renamed", D: "removed" };

function describe(event) {
  const type = event.type?.code;
  const subtype = event.subtype?.[0]?.code;
  const failed = event.outcome !== "0";
  if (type === "110114" && subtype === "110122") {
    return failed ? "A sign-in to your account failed" : "You signed in with a passkey";
  }
  if (type === "110110") {
    return failed ? "An attempt to create this account was refused" : "Your account was created";
  }
  if (type === "110113" && subtype === "110137") {
    const verb = actions[event.action] ?? "changed";
    return failed ? `A passkey could not be ${verb}` : `A passkey was ${verb}`;
  }
  if (type === "110101") {
    return "Your activity log was reviewed for compliance";
  }
  return event.type?.display ?? "Other activity";
}

function who(event) {
  const requestor = event.agent?.find(a => a.requestor) ?? event.agent?.[0];
  const reference = requestor?.who?.reference ?? "";
  if (reference.startsWith("Patient/")) return "You";
  if (requestor?.who?.identifier?.value) return `Service ${requestor.who.identifier.value}`;
  return requestor?.who?.display ?? "Unknown";
}

function result(event) {
  if (event.outcome === "0") return "Done";
  if (event.outcome === "8") return "Did not complete";
  return `Refused${event.outcomeDesc ? ` (${event.outcomeDesc.replaceAll("_", " ")})` : ""}`;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

let next = "/fhir/AuditEvent?patient=me&_count=50";

async function loadPage() {
  const status = document.getElementById("status");
  const response = await fetch(next, { credentials: "same-origin", headers: { Accept: "application/fhir+json" } });
  if (response.status === 401) {
    location.href = "/account/signin?returnUrl=/account/activity";
    return;
  }
  if (!response.ok) {
    status.textContent = response.status === 503 ? "The activity log is unavailable right now; try again shortly." : `Could not load your activity (${response.status}).`;
    status.classList.add("error");
    return;
  }
  const bundle = await response.json();
  const rows = document.getElementById("activity-rows");
  for (const entry of bundle.entry ?? []) {
    const event = entry.resource;
    const row = document.createElement("tr");
    cell(row, new Date(event.recorded).toLocaleString());
    cell(row, describe(event));
    cell(row, who(event));
    cell(row, result(event));
    rows.appendChild(row);
  }
  const link = bundle.link?.find(l => l.relation === "next")?.url;
  next = link ? new URL(link).pathname + new URL(link).search : null;
  document.getElementById("more").hidden = !next;
  if (!rows.children.length) status.textContent = "Nothing recorded yet.";
}

async function loadProof() {
  const response = await fetch("/audit/verify?patient=me", { credentials: "same-origin" });
  if (!response.ok) return;
  const proof = await response.json();
  document.getElementById("chain").textContent = proof.intact
    ? "Your log is complete and unaltered (verified just now)."
    : "Warning: your log failed verification. Please contact support.";
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("more").addEventListener("click", () => next && loadPage());
  loadPage();
  loadProof();
});
