// Decodes one Consent account's raw data with the generated client's getConsentDecoder() and
// prints its fields as JSON (addresses base58, integers as decimal strings, enums by name,
// byte arrays as arrays of numbers). Used by the Rust test sdk/tests/js_client.rs, which
// compares the result with the Rust SDK's decoding of the same bytes.
//   npm run build && node scripts/decode-consent.mjs <BASE64_ACCOUNT_DATA>
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const client = require("../dist/index.js");

const data = process.argv[2];
if (!data) {
  console.error("usage: node scripts/decode-consent.mjs <BASE64_ACCOUNT_DATA>");
  process.exit(2);
}
const bytes = Uint8Array.from(Buffer.from(data, "base64"));
const consent = client.getConsentDecoder().decode(bytes);
const plain = (v) => {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};
const out = plain(consent);
out.status = client.ConsentStatus[consent.status];
out.discriminatorMatches = Buffer.from(consent.discriminator).equals(Buffer.from(client.CONSENT_DISCRIMINATOR));
out.size = client.getConsentSize();
console.log(JSON.stringify(out));
