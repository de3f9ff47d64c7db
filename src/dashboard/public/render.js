// DOM builders for the budgets, payments and approvals. Every value from the ledger goes in as text, never as HTML.

/** An element with attributes (`text` sets textContent, `class` the class) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** 0x1234…abcd, with the whole value in the title (hover) and in data-full. */
export function short(value, head = 6, tail = 4) {
  if (!value) return el("span", { class: "muted", text: "–" });
  const text = value.length > head + tail + 1 ? `${value.slice(0, head)}…${value.slice(-tail)}` : value;
  return el("code", { title: value, "data-full": value, text });
}

const percent = (part, whole) => (Number(whole) > 0 ? Math.min(100, (Number(part) / Number(whole)) * 100) : 0);

function bar(label, spent, reserved, remaining, limit) {
  const segments = el(
    "div",
    {
      class: "bar",
      role: "img",
      "aria-label": `${label}: ${spent} spent, ${reserved} reserved, ${remaining} remaining of ${limit} USDC`,
    },
    el("span", { class: "seg spent" }),
    el("span", { class: "seg reserved" }),
  );
  const [spentSeg, reservedSeg] = segments.children;
  spentSeg.style.width = `${percent(spent, limit)}%`;
  reservedSeg.style.width = `${Math.min(percent(reserved, limit), 100 - percent(spent, limit))}%`;
  return el(
    "div",
    { class: "bar-row" },
    el("span", { class: "bar-label", text: label }),
    segments,
    el("span", { class: "bar-text", text: `${spent} spent · ${reserved} reserved · ${remaining} left of ${limit}` }),
  );
}

/** Each principal's day and month windows as spent / reserved / remaining bars. */
export function renderBudgets(list, budgets) {
  list.replaceChildren(
    ...budgets.map(({ principal, budget: b }) =>
      el(
        "li",
        { class: "budget", "data-principal": principal },
        el("h3", { text: principal }),
        b ? bar("Today", b.spent.today, b.reserved.today, b.remaining.today, b.limits.daily) : null,
        b ? bar("Month", b.spent.month, b.reserved.month, b.remaining.month, b.limits.monthly) : null,
        el("p", {
          class: "muted",
          text: b
            ? `At most ${b.limits.perRequest} per request. The cache saved ${b.saved.month} this month.`
            : "No budget configured.",
        }),
      ),
    ),
  );
  if (budgets.length === 0) list.append(el("li", { class: "muted", text: "No principals yet." }));
}

const time = (iso) => iso.replace("T", " ").slice(0, 19);

/** Rows of list_spend items; `onProof(item)` opens an item's proof bundle. */
export function paymentRows(items, onProof) {
  return items.map((i) => {
    // one wrapper per cell: on a phone the cell is a two-column grid of its label and this
    const cell = (label, ...content) => el("td", { "data-label": label }, el("div", {}, ...content));
    const amount = i.cached ? `${i.amount} (cache hit, saved ${i.saved})` : `${i.amount} USDC`;
    const audit = el("span", { class: `audit ${i.audit.status}`, text: i.audit.status });
    const batch = i.audit.batchId ? el("span", { class: "muted", text: ` batch ${i.audit.batchId} ` }) : null;
    const proof = i.audit.batchId
      ? el("button", {
          type: "button",
          class: "link",
          text: "proof bundle",
          "aria-label": `Proof bundle of payment ${i.receiptId}`,
        })
      : null;
    proof?.addEventListener("click", () => onProof(i));
    return el(
      "tr",
      { "data-receipt": i.receiptId },
      cell("Time (UTC)", el("time", { datetime: i.at, text: time(i.at) })),
      cell("Principal", i.principal),
      cell("Status", el("span", { class: `badge ${i.status}`, text: i.status })),
      cell("Amount", amount),
      cell("Payee", short(i.payTo), el("span", { class: "muted host", text: ` ${i.host}` })),
      cell("Settlement tx", short(i.txHash, 10, 6)),
      cell("Audit", audit, batch, proof),
    );
  });
}

/** The waiting approvals, each with Approve and Deny buttons that call `decide(approval, approve)`. */
export function renderApprovals(list, approvals, decide) {
  list.replaceChildren(
    ...approvals.map((a) => {
      const d = a.details;
      const what = `${d.amount} USDC to ${d.payTo}`;
      const approve = el("button", { type: "button", class: "approve", text: `Approve ${d.amount} USDC` });
      const deny = el("button", { type: "button", class: "deny secondary", text: "Deny" });
      approve.setAttribute("aria-label", `Approve ${what} for ${a.principal}`);
      deny.setAttribute("aria-label", `Deny ${what} for ${a.principal}`);
      approve.addEventListener("click", () => decide(a, true, [approve, deny]));
      deny.addEventListener("click", () => decide(a, false, [approve, deny]));
      return el(
        "li",
        { class: "approval", "data-approval": a.id },
        el(
          "p",
          { class: "what" },
          el("strong", { text: `${d.amount} USDC` }),
          ` from ${a.principal} to `,
          short(d.payTo),
        ),
        el("p", { class: "url", text: `${d.method ?? "GET"} ${d.url}` }),
        el("p", {
          class: "muted",
          text: `on ${d.network} · above the ${d.threshold} USDC threshold · request ${a.id} · expires ${time(a.expiresAt)} UTC`,
        }),
        el("div", { class: "buttons" }, approve, deny),
      );
    }),
  );
  if (approvals.length === 0) list.append(el("li", { class: "muted", text: "Nothing is waiting." }));
}
