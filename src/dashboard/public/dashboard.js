// The dashboard page: signs in with the one-time token (from the URL's fragment) or an operator key, kept in this
// tab's sessionStorage only, and sends it as a bearer header on every /dashboard/api request.

import { drawChart } from "./chart.js";
import { paymentRows, renderApprovals, renderBudgets } from "./render.js";

const STORE = "pag0.dashboard.credential";
const POLL_MS = 10_000;
const $ = (id) => document.getElementById(id);

class AuthError extends Error {}

let credential = null;
let nextCursor = null;
let proofFile = null;
let shown = { overview: "", approvals: "", payments: "" };

async function api(path, init = {}) {
  const res = await fetch(`/dashboard/api/${path}`, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${credential}` },
  });
  if (res.status === 401) throw new AuthError("That key or token is not valid (or this dashboard was restarted).");
  if (res.status === 403) throw new AuthError("That API key has no operator scope.");
  const body = await res.json().catch(() => null);
  if (!res.ok && res.status !== 409) throw new Error(body?.error?.message ?? `The server answered ${res.status}.`);
  return body;
}

/** The token of the link `pag0 dashboard` printed: kept for this tab, then taken out of the address bar. */
function tokenFromUrl() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!token) return;
  sessionStorage.setItem(STORE, token);
  history.replaceState(null, "", location.pathname + location.search);
}

function showLogin(message = "") {
  credential = null;
  sessionStorage.removeItem(STORE);
  $("board").hidden = true;
  $("session-actions").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("credential").focus();
}

function say(message) {
  $("status").textContent = message;
}

async function refresh() {
  try {
    const [overview, payments, waiting] = await Promise.all([api("overview"), api("payments"), api("approvals")]);
    $("login").hidden = true;
    $("board").hidden = false;
    $("session-actions").hidden = false;
    // parts that did not change are left alone, so keyboard focus stays where it is
    const overviewKey = JSON.stringify({ ...overview, generatedAt: null });
    if (overviewKey !== shown.overview) {
      showOverview(overview);
      shown.overview = overviewKey;
    }
    const approvalsKey = JSON.stringify(waiting.approvals);
    if (approvalsKey !== shown.approvals) {
      renderApprovals($("approvals"), waiting.approvals, decide);
      $("approval-count").textContent = waiting.approvals.length ? `(${waiting.approvals.length})` : "";
      shown.approvals = approvalsKey;
    }
    const paymentsKey = JSON.stringify(payments.items);
    if (paymentsKey !== shown.payments) {
      $("payments").replaceChildren(...paymentRows(payments.items, openProof));
      if (payments.items.length === 0) $("payments").append(emptyRow());
      nextCursor = payments.nextCursor;
      $("more").hidden = !nextCursor;
      shown.payments = paymentsKey;
    }
    $("updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    if (e instanceof AuthError) return showLogin(e.message);
    say(`Could not load the dashboard: ${e.message}`);
  }
}

function showOverview(o) {
  $("stat-spent").textContent = `${o.totals.spent} USDC`;
  $("stat-saved").textContent = `${o.totals.saved} USDC`;
  $("stat-count").textContent = String(o.totals.count);
  $("stat-hits").textContent = String(o.cacheHits);
  drawChart($("chart"), $("chart-legend"), $("chart-table"), o.chart);
  renderBudgets($("budgets"), o.budgets);
}

function emptyRow() {
  const td = Object.assign(document.createElement("td"), { colSpan: 7, textContent: "No payments yet." });
  const tr = document.createElement("tr");
  tr.append(td);
  return tr;
}

async function decide(approval, approve, buttons) {
  for (const b of buttons) b.disabled = true;
  const verb = approve ? "approve" : "deny";
  try {
    const r = await api(`approvals/${encodeURIComponent(approval.id)}/${verb}`, { method: "POST" });
    say(
      r.ok
        ? approve
          ? `Approved ${approval.id}: the agent's payment of ${approval.details.amount} USDC goes through when it retries.`
          : `Denied ${approval.id}: nothing will be paid.`
        : `${approval.id} was already ${r.status}; nothing changed.`,
    );
    $("status").focus();
  } catch (e) {
    if (e instanceof AuthError) return showLogin(e.message);
    say(`Could not ${verb} ${approval.id}: ${e.message}`);
    for (const b of buttons) b.disabled = false;
    return;
  }
  await refresh();
}

async function openProof(item) {
  const dialog = $("proof");
  $("proof-title").textContent = `Proof bundle of payment ${item.receiptId}`;
  $("proof-note").textContent = "Loading…";
  $("proof-json").value = "";
  proofFile = null;
  dialog.showModal();
  try {
    const r = await api(`receipts/${encodeURIComponent(item.receiptId)}/proof`);
    const bundles = r.bundles.length === 1 ? r.bundles[0] : r.bundles;
    const json = JSON.stringify(bundles, null, 2);
    $("proof-json").value = json;
    $("proof-note").textContent =
      `Batch ${item.audit.batchId}, ${item.audit.status}` +
      (r.queued.length ? `; ${r.queued.length} receipt(s) not in a batch yet` : "") +
      `. Check it with: pag0 audit verify proof.json --contract <address> --rpc <url>`;
    proofFile = { name: `pag0-proof-${item.receiptId}.json`, json };
  } catch (e) {
    if (e instanceof AuthError) {
      dialog.close();
      return showLogin(e.message);
    }
    $("proof-note").textContent = `Could not load the proof: ${e.message}`;
  }
}

function downloadProof() {
  if (!proofFile) return;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([proofFile.json], { type: "application/json" }));
  a.download = proofFile.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function loadMore() {
  try {
    const page = await api(`payments?cursor=${encodeURIComponent(nextCursor)}`);
    $("payments").append(...paymentRows(page.items, openProof));
    nextCursor = page.nextCursor;
    $("more").hidden = !nextCursor;
  } catch (e) {
    if (e instanceof AuthError) return showLogin(e.message);
    say(`Could not load more payments: ${e.message}`);
  }
}

function start() {
  tokenFromUrl();
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    credential = $("credential").value.trim();
    $("credential").value = "";
    sessionStorage.setItem(STORE, credential);
    shown = { overview: "", approvals: "", payments: "" };
    void refresh();
  });
  $("refresh").addEventListener("click", () => void refresh());
  $("signout").addEventListener("click", () => showLogin("Signed out."));
  $("more").addEventListener("click", () => void loadMore());
  $("proof-close").addEventListener("click", () => $("proof").close());
  $("proof-download").addEventListener("click", downloadProof);
  credential = sessionStorage.getItem(STORE);
  if (credential) void refresh();
  else showLogin();
  setInterval(() => {
    if (credential && document.visibilityState === "visible") void refresh();
  }, POLL_MS);
}

start();
