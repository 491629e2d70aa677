/**
 * The medchain program's TypeScript client for `@solana/kit`: account decoders and fetchers
 * (`getConsentDecoder`, `fetchConsent`, …), instruction builders, PDA finders, the defined
 * types and the program's error codes. Everything under `./generated` is produced by Codama
 * from `idl/medchain.json` (`npm run generate`); do not edit it by hand.
 */
export * from "./generated";
