/* Vigil workbench behaviour (no inline scripts: the CSP forbids them).
 * Media reveal on click, queue keyboard shortcuts, proof of work on the public forms. */
(function () {
  "use strict";

  function reveal(event) {
    var box = event.target.closest(".media");
    if (!box) { return; }
    if (!box.classList.contains("revealed")) {
      box.classList.add("revealed");
      event.preventDefault();
    }
  }

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function queueKeys(event) {
    var rows = Array.prototype.slice.call(document.querySelectorAll(".queue-row"));
    if (!rows.length) { return false; }
    var at = rows.findIndex(function (r) { return r.classList.contains("selected"); });
    if (event.key === "j" || event.key === "k") {
      var next = event.key === "j" ? Math.min(at + 1, rows.length - 1) : Math.max(at - 1, 0);
      if (at >= 0) { rows[at].classList.remove("selected"); }
      rows[next].classList.add("selected");
      rows[next].scrollIntoView({ block: "nearest" });
      return true;
    }
    if ((event.key === "Enter" || event.key === "o") && at >= 0) {
      window.location.assign(rows[at].getAttribute("data-href"));
      return true;
    }
    return false;
  }

  function accountKeys(event) {
    var form = document.getElementById("decision-form");
    var link = null;
    if (event.key === "j") { link = document.querySelector("a[rel=next].account-nav"); }
    if (event.key === "k") { link = document.querySelector("a[rel=prev].account-nav"); }
    if (link) { window.location.assign(link.getAttribute("href")); return true; }
    if (!form) { return false; }
    var actions = { c: "confirm", r: "reject", w: "whitelist", e: "escalate" };
    if (actions[event.key]) {
      var radio = form.querySelector("input[name=action][value=" + actions[event.key] + "]");
      if (radio) { radio.checked = true; }
      form.querySelector("textarea[name=note]").focus();
      return true;
    }
    if (event.key === "d") { form.querySelector("input[name=action]").focus(); return true; }
    return false;
  }

  function keys(event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (queueKeys(event) || accountKeys(event)) { event.preventDefault(); }
  }

  function leadingZeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { bits += 1; b <<= 1; }
      break;
    }
    return bits;
  }

  /* Find a nonce so that sha256(challenge + ":" + nonce) starts with `bits` zero bits. */
  async function solve(form) {
    var challenge = form.querySelector("input[name=pow_challenge]").value;
    var bits = parseInt(form.getAttribute("data-pow-bits"), 10);
    var encoder = new TextEncoder();
    for (var nonce = 0; ; nonce++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + nonce));
      if (leadingZeroBits(new Uint8Array(digest)) >= bits) { return String(nonce); }
    }
  }

  function powForms() {
    document.querySelectorAll("form[data-pow-bits]").forEach(function (form) {
      var status = form.querySelector(".pow-status");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      if (!(window.crypto && window.crypto.subtle)) {
        /* SubtleCrypto exists only in secure contexts: serve Vigil over HTTPS. */
        if (status) { status.textContent = "This form works only over HTTPS."; }
        return;
      }
      if (status) { status.textContent = "Preparing the form (a short computation instead of a CAPTCHA)…"; }
      solve(form).then(function (nonce) {
        form.querySelector("input[name=pow_nonce]").value = nonce;
        button.disabled = false;
        if (status) { status.textContent = "Ready."; }
      });
    });
  }

  document.addEventListener("click", reveal);
  document.addEventListener("keydown", keys);
  document.addEventListener("DOMContentLoaded", powForms);
})();
