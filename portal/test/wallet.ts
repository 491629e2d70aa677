// A test wallet registered in the page through the Wallet Standard (as Phantom, Solflare and
// Backpack register theirs). It holds no key: every signature is asked of the test process
// through `window.medchainTestWalletSign` (puppeteer's exposeFunction), which signs with the
// test keypair, so the browser side is exactly what a real wallet gives the page. It builds
// the SIWS text with @solana/wallet-standard-util, the reference code wallets use.

import { registerWallet } from "@wallet-standard/wallet";
import type { Wallet, WalletAccount, IdentifierString } from "@wallet-standard/base";
import { createSignInMessageText } from "@solana/wallet-standard-util";
import type { SolanaSignInInput, SolanaSignInOutput, SolanaSignTransactionInput, SolanaSignTransactionOutput } from "@solana/wallet-standard-features";

declare global {
  interface Window {
    /** Signs `message` (base64) as `kind` says; returns the signature (base64). */
    medchainTestWalletSign(kind: "signIn" | "transaction", message: string): Promise<string>;
    /** How the wallet misbehaves next: "" (it does not), or a forgery the test asks for. */
    medchainTestWalletMode(): Promise<string>;
    /** The test keypair's address (base58) and public key (base64). */
    medchainTestWalletAccount(): Promise<{ address: string; publicKey: string }>;
  }
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const CHAINS: IdentifierString[] = ["solana:mainnet", "solana:devnet", "solana:medchain-embedded-ledger"];

/** Reads a compact-u16 at `at`: [value, bytes used]. */
function shortVec(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 3; i++) {
    const byte = bytes[at + i] ?? 0;
    value |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  return [value, 3];
}

let lastSignIn: SolanaSignInOutput | null = null;

async function main(): Promise<void> {
  const { address, publicKey: publicKeyText } = await window.medchainTestWalletAccount();
  const publicKey = unb64(publicKeyText);
  const account: WalletAccount = {
    address,
    publicKey,
    chains: CHAINS,
    features: ["solana:signIn", "solana:signTransaction"],
  };
  const wallet: Wallet = {
    version: "1.0.0",
    name: "Test Wallet",
    icon: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyNCAyNCI+PGNpcmNsZSBjeD0iMTIiIGN5PSIxMiIgcj0iMTAiIGZpbGw9IiMwYjVjYWQiLz48L3N2Zz4=",
    chains: CHAINS,
    accounts: [account],
    features: {
      "standard:connect": { version: "1.0.0", connect: async () => ({ accounts: [account] }) },
      "standard:events": { version: "1.0.0", on: () => () => undefined },
      "solana:signIn": {
        version: "1.0.0",
        signIn: async (...inputs: readonly SolanaSignInInput[]): Promise<readonly SolanaSignInOutput[]> => {
          const mode = await window.medchainTestWalletMode();
          if (mode === "replay" && lastSignIn) return [lastSignIn];
          const outputs: SolanaSignInOutput[] = [];
          for (const input of inputs) {
            const domain = mode === "wrongDomain" ? "clinic.example.evil" : input.domain ?? location.host;
            const text = createSignInMessageText({ ...input, domain, address });
            const signedMessage = new TextEncoder().encode(text);
            const signature = unb64(await window.medchainTestWalletSign("signIn", b64(signedMessage)));
            outputs.push({ account, signedMessage, signature, signatureType: "ed25519" });
          }
          lastSignIn = outputs[0] ?? null;
          return outputs;
        },
      },
      "solana:signTransaction": {
        version: "1.0.0",
        supportedTransactionVersions: ["legacy"],
        signTransaction: async (...inputs: readonly SolanaSignTransactionInput[]): Promise<readonly SolanaSignTransactionOutput[]> => {
          const mode = await window.medchainTestWalletMode();
          const outputs: SolanaSignTransactionOutput[] = [];
          for (const input of inputs) {
            const tx = new Uint8Array(input.transaction);
            const [count, used] = shortVec(tx, 0);
            const messageAt = used + 64 * count;
            if (mode === "tamper") {
              // A wallet (or malware in it) changes the last byte of the message: the
              // transaction signed is no longer the one the server built.
              tx[tx.length - 1] = (tx[tx.length - 1] ?? 0) ^ 0x01;
            }
            const message = tx.slice(messageAt);
            const [keyCount, keyUsed] = shortVec(message, 3);
            const required = message[0] ?? 0;
            let slot = -1;
            for (let i = 0; i < Math.min(keyCount, required); i++) {
              const key = message.slice(3 + keyUsed + 32 * i, 3 + keyUsed + 32 * (i + 1));
              if (key.every((b, j) => b === publicKey[j])) slot = i;
            }
            if (slot < 0) throw new Error("this transaction does not ask for this wallet's signature");
            const signature = unb64(await window.medchainTestWalletSign("transaction", b64(message)));
            tx.set(signature, used + 64 * slot);
            outputs.push({ signedTransaction: tx });
          }
          return outputs;
        },
      },
    },
  };
  registerWallet(wallet);
}

void main();
