// The portal's server API (cli/src/serve/portal/api.rs): JSON over same-origin fetch, the
// session in an HttpOnly cookie. Every word a patient reads comes from the server, which takes
// it from the SDK's vocabulary table; nothing here names a category, purpose or action.

/** A member of the vocabulary as the server sends it: its name (what the API takes) and its words. */
export interface Term {
  name: string;
  words: string;
}

/** The SIWS fields the server asks the wallet to sign. */
export interface Challenge {
  domain: string;
  uri: string;
  statement: string;
  version: string;
  nonce: string;
  issuedAt: string;
  expirationTime: string;
}

export interface Session {
  wallet: string;
  expiresAt: number;
}

export interface Access {
  consent: string;
  provider: string;
  providerName: string;
  status: string;
  statusWords: string;
  inForce: boolean;
  summary: string;
  categories: Term[];
  purposes: Term[];
  actions: Term[];
  expiresAt: number;
  granted: number;
  denied: number;
  version: number;
  resealHint: string | null;
  /** The Consent account's data (base64), decoded in the page with the Codama client. */
  account: string;
}

export interface PendingRequest {
  request: string;
  provider: string;
  providerName: string;
  summary: string;
  durationWords: string;
  days: number;
  categories: Term[];
  purposes: Term[];
  actions: Term[];
}

export interface AuditLine {
  signature: string;
  time: number | null;
  actor: string;
  actorName: string;
  what: string;
  outcome: "granted" | "denied" | "emergency" | "failed" | "change";
  label: string;
  outcomeWords: string;
}

export interface EmergencyWindow {
  provider: string;
  providerName: string;
  reasonWords: string;
  openedAt: number;
  expiresAt: number;
  open: boolean;
  reviewed: boolean;
  reads: number;
}

export interface RecordLine {
  record: string;
  category: string;
  status: string;
  statusWords: string;
  version: number;
  createdAt: number;
  author: string;
  contentHash: string;
  /** The Record account's data (base64). */
  account: string;
}

export interface DelegateLine {
  delegate: string;
  permissions: string;
  scope: string;
  expiresAt: number;
  active: boolean;
}

/** A request the signed-in wallet may answer for another patient, as its delegate. */
export interface Answer {
  /** The request as the provider asked it. */
  asked: PendingRequest;
  /** The most an approval grants, cut to the mandate; null when nothing of it lies within. */
  withinMandate: PendingRequest | null;
  /** True when the mandate cuts anything from what was asked. */
  cut: boolean;
  /** Why it cannot be approved (it can still be denied). */
  refusal: string | null;
}

/** A patient the signed-in wallet acts for. */
export interface MandateLine {
  patient: string;
  permissions: string;
  scope: string;
  expiresAt: number;
  active: boolean;
  /** Why it cannot answer requests now, if so. */
  answerRefusal: string | null;
  requests: Answer[];
}

export interface Overview {
  wallet: string;
  registered: boolean;
  now: number;
  clinicPaysFees: boolean;
  breakGlassAllowed: boolean;
  access: Access[];
  requests: PendingRequest[];
  audit: AuditLine[];
  emergency: EmergencyWindow[];
  records: RecordLine[];
  delegates: DelegateLine[];
  /** The patients this wallet acts for, as their delegate. */
  actingFor: MandateLine[];
  vocabulary: { categories: Term[]; purposes: Term[]; actions: Term[] };
}

/** A change the patient (or, for approve and deny, a delegate) asks for; the server builds its transaction. */
export type Change =
  | { kind: "approve"; request: string; categories?: string[]; purposes?: string[]; actions?: string[]; days?: number }
  | { kind: "deny"; request: string }
  | { kind: "revoke"; consent: string }
  | { kind: "change"; consent: string; categories: string[]; purposes: string[]; actions: string[]; days: number }
  | { kind: "review"; provider: string; endNow: boolean }
  | { kind: "removeDelegate"; delegate: string };

/** A transaction the server built for the session's patient, to sign in the wallet. */
export interface Built {
  id: string;
  transaction: string;
  description: string;
}

export interface Submitted {
  signature: string;
  message: string;
}

/** An error the server answered with: its status and its `message`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers = { Accept: "application/json", "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let value: unknown = null;
  try {
    value = text ? JSON.parse(text) : null;
  } catch {
    value = null;
  }
  if (!response.ok) {
    const message =
      value && typeof value === "object" && "message" in value ? String((value as { message: unknown }).message) : `the server answered ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return value as T;
}

const BASE = "/portal/api";

export const api = {
  challenge: () => call<Challenge>("GET", `${BASE}/challenge`),
  signIn: (signedMessage: string, signature: string, address: string) =>
    call<Session>("POST", `${BASE}/session`, { signedMessage, signature, address }),
  session: () => call<Session>("GET", `${BASE}/session`),
  signOut: () => call<unknown>("DELETE", `${BASE}/session`),
  overview: (wallet: string) => call<Overview>("GET", `${BASE}/patients/${encodeURIComponent(wallet)}`),
  build: (wallet: string, change: Change) => call<Built>("POST", `${BASE}/patients/${encodeURIComponent(wallet)}/transactions`, change),
  submit: (wallet: string, id: string, transaction: string) =>
    call<Submitted>("POST", `${BASE}/patients/${encodeURIComponent(wallet)}/transactions/${encodeURIComponent(id)}`, { transaction }),
};

export function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

export function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}
