// Account data decoded in the browser with the TypeScript client Codama generated from the
// program's IDL (clients/js): the numbers the portal shows for a consent or a record are read
// from the account bytes as the ledger holds them, not from the server's summary.

import { getConsentDecoder } from "../../clients/js/src/generated/accounts/consent";
import { getRecordDecoder } from "../../clients/js/src/generated/accounts/record";
import { fromBase64 } from "./api";

/** What the page reads from a Consent account. */
export interface ConsentNumbers {
  version: number;
  granted: number;
  denied: number;
  expiresAt: number;
}

/** Decodes a Consent account (base64 of its data). */
export function consentNumbers(data: string): ConsentNumbers {
  const consent = getConsentDecoder().decode(fromBase64(data));
  return {
    version: consent.version,
    granted: consent.grantedCount,
    denied: consent.deniedCount,
    expiresAt: Number(consent.expiresAt),
  };
}

/** Decodes a Record account: its version and when it was anchored. */
export function recordNumbers(data: string): { version: number; createdAt: number } {
  const record = getRecordDecoder().decode(fromBase64(data));
  return { version: record.version, createdAt: Number(record.createdAt) };
}
