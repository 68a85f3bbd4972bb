// The projection's remote: pick and release the spotlight without reloading the page, and keep
// the marks true when someone else changes the spotlight. Without this script the forms post
// and the server sends the remote page again.
(function () {
  "use strict";

  const page = document.getElementById("remote");
  if (!page) { return; }
  const releaseForm = document.getElementById("release-form");
  const errorEl = document.getElementById("remote-error");
  const moreEl = document.getElementById("remote-more");
  const tokenMeta = document.querySelector('meta[name="csrf-token"]');
  const SYNC_MS = 5000;

  function mark(deedId) {
    document.querySelectorAll(".remote-tile").forEach(function (tile) {
      const on = deedId !== null && tile.dataset.deedId === String(deedId);
      tile.classList.toggle("is-spotlit", on);
      tile.querySelector(".remote-pick").setAttribute("aria-pressed", on ? "true" : "false");
    });
    releaseForm.hidden = deedId === null;
  }

  document.addEventListener("submit", async function (event) {
    const form = event.target;
    const isRelease = form === releaseForm;
    if (!isRelease && !form.classList.contains("remote-form")) { return; }
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    let response = null;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": tokenMeta ? tokenMeta.content : "" }
      });
    } catch (error) {
      errorEl.hidden = false;  // no network: say so, and let the leader tap again
    }
    button.disabled = false;
    if (!response) { return; }
    if (!response.ok) {
      form.submit();  // the server's own answer, as a page (a stale form, a lost session)
      return;
    }
    errorEl.hidden = true;
    mark(isRelease ? null : form.querySelector('[name="deed_id"]').value);
  });

  // Another leader may pick or release too: follow the projection's live data.
  const liveUrl = page.dataset.liveUrl;
  const newest = Number(page.dataset.newest) || 0;
  let etag = null;

  async function sync() {
    const url = liveUrl + "&since=" + newest;
    try {
      const headers = { Accept: "application/json" };
      if (etag) { headers["If-None-Match"] = etag; }
      const response = await fetch(url, { headers: headers, credentials: "same-origin",
                                           cache: "no-store", redirect: "error" });
      if (response.ok) {
        etag = response.headers.get("ETag");
        const data = await response.json();
        mark(data.spotlight ? data.spotlight.id : null);
        moreEl.hidden = !(data.newest && data.newest > newest);
      }
    } catch (error) { /* try again at the next turn */ }
    setTimeout(sync, SYNC_MS);
  }
  if (liveUrl) { setTimeout(sync, SYNC_MS); }
}());
