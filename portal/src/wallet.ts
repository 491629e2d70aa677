// The patient's wallet through the Wallet Standard: the wallets the browser has registered
// (Phantom, Solflare, Backpack, …), Sign In With Solana, and signing a transaction. The
// private key never leaves the wallet; the page only passes bytes to it and back.

import { getWallets } from "@wallet-standard/app";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import {
  SolanaSignIn,
  SolanaSignTransaction,
  type SolanaSignInFeature,
  type SolanaSignTransactionFeature,
} from "@solana/wallet-standard-features";
import type { Challenge } from "./api";

/** A wallet that can sign in and sign transactions. */
export type PortalWallet = Wallet & { features: SolanaSignInFeature & SolanaSignTransactionFeature };

export function usable(wallet: Wallet): wallet is PortalWallet {
  return SolanaSignIn in wallet.features && SolanaSignTransaction in wallet.features;
}

/** The usable wallets now, and a call back whenever one registers or leaves. */
export function watchWallets(onChange: (wallets: PortalWallet[]) => void): PortalWallet[] {
  const registry = getWallets();
  const current = () => registry.get().filter(usable);
  registry.on("register", () => onChange(current()));
  registry.on("unregister", () => onChange(current()));
  return current();
}

export interface SignedIn {
  account: WalletAccount;
  signedMessage: Uint8Array;
  signature: Uint8Array;
}

/** Asks the wallet to sign the server's SIWS challenge. */
export async function signIn(wallet: PortalWallet, challenge: Challenge): Promise<SignedIn> {
  const [output] = await wallet.features[SolanaSignIn].signIn({
    domain: challenge.domain,
    statement: challenge.statement,
    uri: challenge.uri,
    version: challenge.version,
    nonce: challenge.nonce,
    issuedAt: challenge.issuedAt,
    expirationTime: challenge.expirationTime,
  });
  if (!output) throw new Error("the wallet returned no sign-in");
  return { account: output.account, signedMessage: output.signedMessage, signature: output.signature };
}

/** Asks the wallet to sign `transaction` (serialized) as `account`; returns the signed bytes. */
export async function signTransaction(
  wallet: PortalWallet,
  account: WalletAccount,
  transaction: Uint8Array,
): Promise<Uint8Array> {
  const [output] = await wallet.features[SolanaSignTransaction].signTransaction({ account, transaction });
  if (!output) throw new Error("the wallet returned no signed transaction");
  return output.signedTransaction;
}
