// Development demo wallet: fetch the request object from request_uri, let the server-side demo issuer build the
// presentation, post it to response_uri (direct_post / direct_post.jwt) and follow the verifier's redirect_uri.
"use strict";

function say(message, isError = false) {
  const el = document.getElementById("status");
  el.textContent = message;
  el.classList.toggle("error", isError);
}

function decodePayload(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
}

async function load() {
  const params = new URLSearchParams(location.search);
  const requestUri = params.get("request_uri");
  if (!requestUri) { say("No request: open this page from the enrolment page.", true); return; }
  const response = await fetch(requestUri);
  if (!response.ok) { say("The request has expired or was already answered. Start the enrolment again.", true); return; }
  const requestObject = await response.text();
  const request = decodePayload(requestObject);
  if (params.get("client_id") && params.get("client_id") !== request.client_id) { say("client_id does not match the request.", true); return; }
  document.getElementById("verifier").textContent = request.client_id;
  const list = document.getElementById("requested");
  for (const claim of request.dcql_query.credentials[0].claims) {
    const item = document.createElement("li");
    item.textContent = claim.path.join(" / ");
    list.append(item);
  }
  const share = document.getElementById("share");
  share.disabled = false;
  document.getElementById("holder-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    share.disabled = true;
    say("Sharing…");
    try {
      const answer = await fetch("/demo/wallet/presentations", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({
          request: requestObject,
          holder: {
            givenName: document.getElementById("given-name").value,
            familyName: document.getElementById("family-name").value,
            birthDate: document.getElementById("birth-date").value,
            documentNumber: document.getElementById("document-number").value,
          },
        }),
      });
      const presentation = await answer.json();
      if (!answer.ok) throw new Error(presentation.detail || presentation.title);
      const posted = await fetch(presentation.responseUri, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(presentation.form),
      });
      const result = await posted.json().catch(() => ({}));
      if (!posted.ok) throw new Error(`${result.code}: ${result.detail || result.title}`);
      say("Shared. Returning to the verifier…");
      location.assign(result.redirect_uri);
    } catch (error) {
      say(error.message || String(error), true);
      share.disabled = false;
    }
  });
}

load().catch((error) => say(error.message || String(error), true));
