// The patient portal: sign in with the wallet, then five screens — Access now, Requests, Who
// looked, Records, Delegates — and live notifications. Every change is a transaction the server
// builds for this patient; the wallet signs it here and the server checks and sends it.

import { StandardConnect, type StandardConnectFeature } from "@wallet-standard/features";
import type { WalletAccount } from "@wallet-standard/base";
import {
  api,
  ApiError,
  fromBase64,
  toBase64,
  type Access,
  type Answer,
  type AuditLine,
  type Change,
  type DelegateLine,
  type EmergencyWindow,
  type MandateLine,
  type Overview,
  type PendingRequest,
  type RecordLine,
  type Term,
} from "./api";
import { consentNumbers, recordNumbers } from "./accounts";
import { fill, h, localTime, short, timeElement } from "./dom";
import { signIn, signTransaction, watchWallets, type PortalWallet } from "./wallet";

const SCREENS = [
  { id: "access", label: "Access now" },
  { id: "requests", label: "Requests" },
  { id: "audit", label: "Who looked" },
  { id: "records", label: "Records" },
  { id: "delegates", label: "Delegates" },
] as const;
type ScreenId = (typeof SCREENS)[number]["id"];

interface State {
  wallets: PortalWallet[];
  wallet: PortalWallet | null;
  account: WalletAccount | null;
  patient: string | null;
  overview: Overview | null;
  screen: ScreenId;
  busy: boolean;
  events: EventSource | null;
}

const state: State = {
  wallets: [],
  wallet: null,
  account: null,
  patient: null,
  overview: null,
  screen: "access",
  busy: false,
  events: null,
};

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
}

/** A status line for everyone, screen readers included. */
function say(text: string, kind: "info" | "error" | "ok" = "info"): void {
  const status = byId("status");
  status.className = `status ${kind}`;
  status.textContent = text;
}

function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

// ----- sign-in ------------------------------------------------------------------------------

function renderSignIn(): void {
  const main = byId("main");
  const list = h("ul", { class: "wallets", "aria-label": "Wallets in this browser" });
  for (const wallet of state.wallets) {
    list.append(
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "primary", onclick: () => void startSignIn(wallet) },
          h("img", { src: wallet.icon, alt: "", width: 24, height: 24 }),
          `Sign in with ${wallet.name}`,
        ),
      ),
    );
  }
  fill(
    main,
    h(
      "section",
      { class: "card", "aria-labelledby": "signin-title" },
      h("h2", { id: "signin-title" }, "Sign in with your wallet"),
      h(
        "p",
        {},
        "Your wallet proves that you are you, by signing a short message. Nothing is paid and nothing changes on the ledger when you sign in.",
      ),
      state.wallets.length > 0
        ? list
        : h("p", { class: "hint" }, "No wallet found in this browser. Install or unlock a Solana wallet (Phantom, Solflare, Backpack), then reload this page."),
    ),
  );
}

async function startSignIn(wallet: PortalWallet): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  say(`Waiting for ${wallet.name}…`);
  try {
    const challenge = await api.challenge();
    const signed = await signIn(wallet, challenge);
    const session = await api.signIn(toBase64(signed.signedMessage), toBase64(signed.signature), signed.account.address);
    state.wallet = wallet;
    state.account = signed.account;
    state.patient = session.wallet;
    say(`Signed in as ${short(session.wallet)}. Your session ends at ${localTime(session.expiresAt)}.`, "ok");
    await refresh();
    listen();
  } catch (e) {
    const text = errorText(e);
    say(e instanceof ApiError ? text.charAt(0).toUpperCase() + text.slice(1) : `Sign-in failed: ${text}`, "error");
  } finally {
    state.busy = false;
  }
}

/** After a reload the session cookie is still there; the wallet is connected again on demand. */
async function reconnect(): Promise<boolean> {
  if (state.wallet && state.account) return true;
  for (const wallet of state.wallets) {
    const connect = (wallet.features as Partial<StandardConnectFeature>)[StandardConnect];
    if (!connect) continue;
    const { accounts } = await connect.connect({ silent: true });
    const account = accounts.find((a) => a.address === state.patient);
    if (account) {
      state.wallet = wallet;
      state.account = account;
      return true;
    }
  }
  say("Open the wallet you signed in with to make changes.", "error");
  return false;
}

async function signOut(): Promise<void> {
  try {
    await api.signOut();
  } catch {
    // Signing out of an expired session is fine.
  }
  state.events?.close();
  Object.assign(state, { wallet: null, account: null, patient: null, overview: null, events: null });
  byId("whoami").textContent = "";
  byId("signout").hidden = true;
  say("Signed out.");
  renderSignIn();
}

// ----- changes ------------------------------------------------------------------------------

const dialog = () => byId("confirm") as HTMLDialogElement;

/** Shows `description` and resolves true when the patient confirms. */
function confirmChange(title: string, description: string, label: string): Promise<boolean> {
  const d = dialog();
  fill(byId("confirm-title"), title);
  fill(byId("confirm-text"), description);
  fill(byId("confirm-ok"), label);
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
    d.showModal();
  });
}

/** What a confirmation dialog asks, and its button. */
interface Confirm {
  title: string;
  label: string;
}

/** Builds, signs and sends one change; `confirm` asks first (revoking, ending a window, answering for another patient). */
async function change(what: Change, confirm?: Confirm): Promise<void> {
  if (state.busy || !state.patient) return;
  state.busy = true;
  try {
    if (!(await reconnect()) || !state.wallet || !state.account) return;
    say("Preparing the transaction…");
    const built = await api.build(state.patient, what);
    if (confirm && !(await confirmChange(confirm.title, built.description, confirm.label))) {
      say("Nothing was changed.");
      return;
    }
    say(`Check and sign in ${state.wallet.name}: ${built.description}`);
    const signed = await signTransaction(state.wallet, state.account, fromBase64(built.transaction));
    say("Sending…");
    const done = await api.submit(state.patient, built.id, toBase64(signed));
    say(done.message, "ok");
    await refresh();
  } catch (e) {
    say(`Not changed: ${errorText(e)}`, "error");
  } finally {
    state.busy = false;
  }
}

// ----- screens ------------------------------------------------------------------------------

/** Checkboxes of `terms`, each checked when in `checked`. */
function checkboxes(legend: string, name: string, terms: Term[], checked: Set<string>): HTMLFieldSetElement {
  return h(
    "fieldset",
    {},
    h("legend", {}, legend),
    ...terms.map((t) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", name, value: t.name, checked: checked.has(t.name) }), t.words),
    ),
  );
}

function picked(form: HTMLFormElement, name: string): string[] {
  return Array.from(form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)).map((i) => i.value);
}

function accessCard(a: Access, o: Overview): HTMLElement {
  const id = `consent-${a.consent}`;
  // The numbers come from the Consent account itself, decoded here.
  const n = consentNumbers(a.account);
  const body = h(
    "article",
    { class: `card ${a.inForce ? "" : "muted"}`, "aria-labelledby": `${id}-title`, "data-consent": a.consent },
    h("h3", { id: `${id}-title` }, a.providerName),
    h("p", { class: "summary" }, a.summary),
    h(
      "dl",
      {},
      h("dt", {}, "Status"),
      h("dd", { class: `badge ${a.status}` }, a.statusWords),
      h("dt", {}, a.inForce ? "Until" : "Was until"),
      h("dd", {}, timeElement(n.expiresAt)),
      h("dt", {}, "Looked with this access"),
      h("dd", {}, `${n.granted} granted, ${n.denied} denied`),
      h("dt", {}, "Version"),
      h("dd", {}, String(n.version)),
      h("dt", {}, "Provider wallet"),
      h("dd", { class: "address" }, a.provider),
    ),
  );
  if (a.resealHint) body.append(h("p", { class: "hint" }, a.resealHint));
  if (a.inForce) {
    const form = h(
      "form",
      { class: "change", hidden: true, "aria-label": `Change the access of ${a.providerName}` },
      checkboxes("What they may see", "categories", o.vocabulary.categories, new Set(a.categories.map((t) => t.name))),
      checkboxes("For what", "purposes", o.vocabulary.purposes, new Set(a.purposes.map((t) => t.name))),
      checkboxes("What they may do", "actions", o.vocabulary.actions, new Set(a.actions.map((t) => t.name))),
      h(
        "label",
        { class: "days" },
        "For how many days from now",
        h("input", { type: "number", name: "days", min: 1, max: 3650, required: true, value: Math.max(1, Math.ceil((a.expiresAt - o.now) / 86400)) }),
      ),
      h("button", { type: "submit", class: "primary" }, "Save the new terms"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const days = Number((form.elements.namedItem("days") as HTMLInputElement).value);
      void change({
        kind: "change",
        consent: a.consent,
        categories: picked(form, "categories"),
        purposes: picked(form, "purposes"),
        actions: picked(form, "actions"),
        days,
      });
    });
    body.append(
      h(
        "div",
        { class: "buttons" },
        h(
          "button",
          {
            type: "button",
            class: "danger",
            onclick: () => void change({ kind: "revoke", consent: a.consent }, { title: `Revoke the access of ${a.providerName}?`, label: "Revoke now" }),
          },
          "Revoke",
        ),
        h(
          "button",
          {
            type: "button",
            "aria-expanded": "false",
            onclick: (event: Event) => {
              form.hidden = !form.hidden;
              (event.currentTarget as HTMLElement).setAttribute("aria-expanded", String(!form.hidden));
            },
          },
          "Change",
        ),
      ),
      form,
    );
  }
  return body;
}

function accessScreen(o: Overview): (HTMLElement | null)[] {
  const inForce = o.access.filter((a) => a.inForce);
  const ended = o.access.filter((a) => !a.inForce);
  return [
    h("h2", {}, "Who can see your records now"),
    inForce.length === 0 ? h("p", {}, "Nobody holds access to your records right now.") : h("div", { class: "cards" }, ...inForce.map((a) => accessCard(a, o))),
    ended.length > 0 ? h("h3", {}, "Ended") : null,
    ended.length > 0 ? h("div", { class: "cards" }, ...ended.map((a) => accessCard(a, o))) : null,
  ];
}

/** The approve form of a request: share less than `r` offers, never more; or deny it. */
function answerForm(r: PendingRequest, confirm?: { approve: Confirm; deny: Confirm }): HTMLFormElement {
  const id = `request-${r.request}`;
  const all = (terms: Term[]) => new Set(terms.map((t) => t.name));
  const form = h(
    "form",
    { "aria-labelledby": `${id}-title`, "data-request": r.request },
    checkboxes("Share only", "categories", r.categories, all(r.categories)),
    r.purposes.length > 1 ? checkboxes("For", "purposes", r.purposes, all(r.purposes)) : null,
    r.actions.length > 1 ? checkboxes("Allow them to", "actions", r.actions, all(r.actions)) : null,
    h("label", { class: "days" }, `Days (at most ${r.days})`, h("input", { type: "number", name: "days", min: 1, max: r.days, value: r.days, required: true })),
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "submit", class: "primary" }, "Approve"),
      h("button", { type: "button", class: "danger", onclick: () => void change({ kind: "deny", request: r.request }, confirm?.deny) }, "Deny"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const days = Number((form.elements.namedItem("days") as HTMLInputElement).value);
    const narrowed: Change = { kind: "approve", request: r.request, categories: picked(form, "categories"), days };
    if (r.purposes.length > 1) narrowed.purposes = picked(form, "purposes");
    if (r.actions.length > 1) narrowed.actions = picked(form, "actions");
    void change(narrowed, confirm?.approve);
  });
  return form;
}

function requestCard(r: PendingRequest): HTMLElement {
  return h(
    "article",
    { class: "card" },
    h("h3", { id: `request-${r.request}-title` }, `${r.providerName} asks for access`),
    h("p", { class: "summary" }, `${r.summary}, for ${r.durationWords}.`),
    h("p", { class: "hint" }, "You may share less than they asked for, never more."),
    answerForm(r),
  );
}

/** A request the signed-in wallet answers for the patient of `m`, as its delegate. */
function answerCard(a: Answer, m: MandateLine): HTMLElement {
  const r = a.asked;
  const card = h(
    "article",
    { class: "card", "data-for-patient": m.patient, "data-answer": r.request },
    h("h3", { id: `request-${r.request}-title` }, `${r.providerName} asks for access`),
    h("p", { class: "summary" }, `${r.summary}, for ${r.durationWords}.`),
  );
  const w = a.withinMandate;
  if (w) {
    card.append(
      h(
        "p",
        { class: "hint" },
        a.cut
          ? `Your mandate allows at most: ${w.summary}, ${w.durationWords}. An approval is cut to that.`
          : "This lies within your mandate. You may share less than they asked for, never more.",
      ),
      answerForm(w, {
        approve: { title: "Approve on behalf of this patient?", label: "Approve" },
        deny: { title: "Deny on behalf of this patient?", label: "Deny" },
      }),
    );
  } else {
    card.append(
      h("p", { class: "hint" }, a.refusal ?? "You cannot approve this request."),
      h(
        "div",
        { class: "buttons" },
        h(
          "button",
          {
            type: "button",
            class: "danger",
            onclick: () => void change({ kind: "deny", request: r.request }, { title: "Deny on behalf of this patient?", label: "Deny" }),
          },
          "Deny",
        ),
      ),
    );
  }
  return card;
}

function actingForRequests(m: MandateLine): (HTMLElement | null)[] {
  return [
    h("h3", {}, "For patient ", h("span", { class: "address" }, m.patient)),
    m.answerRefusal
      ? h("p", { class: "hint" }, m.answerRefusal)
      : m.requests.length === 0
        ? h("p", {}, "No request of theirs is waiting.")
        : h("div", { class: "cards" }, ...m.requests.map((a) => answerCard(a, m))),
  ];
}

function requestsScreen(o: Overview): (HTMLElement | null)[] {
  const own = o.registered || o.requests.length > 0 || o.actingFor.length === 0;
  return [
    own ? h("h2", {}, "Requests waiting for your answer") : null,
    own ? (o.requests.length === 0 ? h("p", {}, "No request is waiting.") : h("div", { class: "cards" }, ...o.requests.map(requestCard))) : null,
    o.actingFor.length > 0 ? h("h2", {}, "Requests you answer as a delegate") : null,
    o.actingFor.length > 0
      ? h("p", { class: "hint" }, "You answer for these patients within the mandate each gave you. The wallet shows whose behalf you sign on; the patient sees your answer in their history.")
      : null,
    ...o.actingFor.flatMap(actingForRequests),
  ];
}

function windowCard(w: EmergencyWindow): HTMLElement {
  const card = h(
    "article",
    { class: `card emergency ${w.open ? "open" : ""}`, "data-emergency": w.provider },
    h("h3", {}, `Emergency access by ${w.providerName}`),
    h("p", {}, `${w.reasonWords}. Opened ${localTime(w.openedAt)}, ${w.open ? "open until" : "ended"} ${localTime(w.expiresAt)}. ${w.reads === 1 ? "1 emergency read" : `${w.reads} emergency reads`}.`),
    h("p", { class: `badge ${w.reviewed ? "reviewed" : "unreviewed"}` }, w.reviewed ? "You reviewed it." : "Not reviewed yet."),
  );
  if (!w.reviewed || w.open) {
    card.append(
      h(
        "div",
        { class: "buttons" },
        !w.reviewed ? h("button", { type: "button", onclick: () => void change({ kind: "review", provider: w.provider, endNow: false }) }, "Mark reviewed") : null,
        w.open
          ? h(
              "button",
              {
                type: "button",
                class: "danger",
                onclick: () =>
                  void change({ kind: "review", provider: w.provider, endNow: true }, { title: `End the emergency access of ${w.providerName}?`, label: "End now" }),
              },
              "Mark reviewed and end now",
            )
          : null,
      ),
    );
  }
  return card;
}

function auditItem(line: AuditLine): HTMLElement {
  return h(
    "li",
    { class: `audit ${line.outcome}` },
    h("span", { class: `badge ${line.outcome}` }, line.label),
    h(
      "span",
      { class: "what" },
      `${line.actorName} ${line.what}`,
      line.outcome === "change" ? null : h("span", { class: "why" }, line.outcomeWords),
    ),
    h("span", { class: "when" }, timeElement(line.time)),
  );
}

function auditScreen(o: Overview): (HTMLElement | null)[] {
  return [
    h("h2", {}, "Who looked, and every change"),
    o.emergency.length > 0 ? h("div", { class: "cards" }, ...o.emergency.map(windowCard)) : null,
    o.audit.length === 0 ? h("p", {}, "Nothing has happened yet.") : h("ol", { class: "trail", "aria-label": "Audit trail, newest first" }, ...o.audit.map(auditItem)),
  ];
}

function recordRow(r: RecordLine): HTMLElement {
  const n = recordNumbers(r.account);
  return h(
    "tr",
    {},
    h("td", {}, r.category),
    h("td", {}, h("span", { class: `badge ${r.status}` }, r.statusWords)),
    h("td", {}, String(n.version)),
    h("td", {}, timeElement(n.createdAt)),
    h("td", {}, r.author),
  );
}

function recordsScreen(o: Overview): HTMLElement[] {
  return [
    h("h2", {}, "Your records on the ledger"),
    h("p", { class: "hint" }, "Only a fingerprint of each record is on the ledger, never its contents: it proves the record was not altered."),
    o.records.length === 0
      ? h("p", {}, "No record has been anchored for you yet.")
      : h(
          "div",
          { class: "table" },
          h(
            "table",
            {},
            h("caption", {}, "Anchored records"),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "What"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Version"), h("th", { scope: "col" }, "Anchored"), h("th", { scope: "col" }, "By"))),
            h("tbody", {}, ...o.records.map(recordRow)),
          ),
        ),
  ];
}

/** A mandate's terms, as its patient (a delegate card) and its holder (a mandate card) see them. */
function mandateTerms(m: Pick<DelegateLine, "permissions" | "scope" | "active" | "expiresAt">): HTMLElement[] {
  const lines = [h("p", {}, `${m.permissions}.`)];
  if (m.scope) lines.push(h("p", {}, `Within: ${m.scope}.`));
  lines.push(h("p", {}, m.active ? "Until " : "Ended ", timeElement(m.expiresAt)));
  return lines;
}

function delegateCard(d: DelegateLine): HTMLElement {
  return h(
    "article",
    { class: `card ${d.active ? "" : "muted"}`, "data-delegate": d.delegate },
    h("h3", { class: "address" }, d.delegate),
    ...mandateTerms(d),
    h(
      "div",
      { class: "buttons" },
      h(
        "button",
        {
          type: "button",
          class: "danger",
          onclick: () => void change({ kind: "removeDelegate", delegate: d.delegate }, { title: "Remove this delegate?", label: "Remove" }),
        },
        "Remove",
      ),
    ),
  );
}

function mandateCard(m: MandateLine): HTMLElement {
  return h(
    "article",
    { class: `card ${m.active ? "" : "muted"}`, "data-mandate": m.patient },
    h("h3", { class: "address" }, m.patient),
    ...mandateTerms(m),
    m.answerRefusal ? h("p", { class: "hint" }, m.answerRefusal) : null,
  );
}

function delegatesScreen(o: Overview): (HTMLElement | null)[] {
  return [
    h("h2", {}, "Who may act for you"),
    o.delegates.length === 0 ? h("p", {}, "Nobody may act for you.") : h("div", { class: "cards" }, ...o.delegates.map(delegateCard)),
    o.actingFor.length > 0 ? h("h2", {}, "Whom you act for") : null,
    o.actingFor.length > 0 ? h("div", { class: "cards" }, ...o.actingFor.map(mandateCard)) : null,
  ];
}

function renderDashboard(): void {
  const o = state.overview;
  if (!o) return;
  const main = byId("main");
  const counts: Record<ScreenId, number> = {
    access: o.access.filter((a) => a.inForce).length,
    requests: o.requests.length + o.actingFor.reduce((n, m) => n + m.requests.length, 0),
    audit: o.audit.length,
    records: o.records.length,
    delegates: o.delegates.length + o.actingFor.length,
  };
  const tabs = h(
    "nav",
    { "aria-label": "Screens" },
    h(
      "ul",
      { class: "tabs" },
      ...SCREENS.map((s) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              id: `tab-${s.id}`,
              "aria-current": s.id === state.screen ? "page" : undefined,
              onclick: () => {
                state.screen = s.id;
                renderDashboard();
                byId(`tab-${s.id}`).focus();
              },
            },
            s.label,
            h("span", { class: "count" }, String(counts[s.id])),
          ),
        ),
      ),
    ),
  );
  const screens: Record<ScreenId, (o: Overview) => (HTMLElement | null)[]> = {
    access: accessScreen,
    requests: requestsScreen,
    audit: auditScreen,
    records: recordsScreen,
    delegates: delegatesScreen,
  };
  const note = o.registered
    ? null
    : h(
        "p",
        { class: "hint" },
        o.actingFor.length > 0
          ? "This wallet is not registered as a patient: it acts for the patients who named it their delegate (see Requests and Delegates)."
          : "This wallet is not registered as a patient yet: nothing has been shared.",
      );
  fill(main, tabs, note, h("section", { id: `screen-${state.screen}`, class: "screen" }, ...screens[state.screen](o)));
}

/** The overview without its clock: two reads that differ only in time show the same page. */
function sameOverview(a: Overview | null, b: Overview): boolean {
  return a !== null && JSON.stringify({ ...a, now: 0 }) === JSON.stringify({ ...b, now: 0 });
}

async function refresh(): Promise<void> {
  if (!state.patient) return;
  const next = await api.overview(state.patient);
  byId("whoami").textContent = `Signed in as ${short(state.patient)}`;
  byId("signout").hidden = false;
  // Nothing changed (a notification of a change already shown): keep the page as it is, so
  // a half-filled form and the focus stay where they are.
  if (sameOverview(state.overview, next) && byId("main").querySelector("nav")) return;
  state.overview = next;
  renderDashboard();
}

// ----- live notifications -------------------------------------------------------------------

function listen(): void {
  if (!state.patient || state.events) return;
  const events = new EventSource(`/portal/api/patients/${encodeURIComponent(state.patient)}/events`);
  state.events = events;
  events.addEventListener("medchain", (event) => {
    let text = "Something happened on your account.";
    try {
      const data = JSON.parse((event as MessageEvent<string>).data) as { words?: string };
      if (data.words) text = data.words;
    } catch {
      // keep the generic words
    }
    const list = byId("notifications");
    list.prepend(h("li", {}, h("span", { class: "when" }, localTime(Date.now() / 1000)), ` ${text}`));
    void refresh().catch(() => undefined);
  });
}

// ----- start --------------------------------------------------------------------------------

async function start(): Promise<void> {
  byId("signout").addEventListener("click", () => void signOut());
  state.wallets = watchWallets((wallets) => {
    state.wallets = wallets;
    if (!state.patient) renderSignIn();
  });
  try {
    const session = await api.session();
    state.patient = session.wallet;
    await refresh();
    listen();
  } catch {
    renderSignIn();
  }
}

void start();
