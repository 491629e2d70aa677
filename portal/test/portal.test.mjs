// The patient portal in a real browser: Debian's Chromium, headless, driven by puppeteer-core,
// against the real `medchain serve` (target/release/medchain) on a temporary embedded ledger
// made by `medchain demo --keep`. A test wallet is registered in the page through the Wallet
// Standard; its signatures come from the demo patient's keypair, held here in the test.
//
// The story: sign in, approve a request narrowed, see the consent, see a denied attempt in
// "Who looked", revoke, see the provider lose access, review a break-glass window, receive a
// live notification. A carer (a delegate with the `answer` permission) signs in with their
// own wallet and answers another patient's requests: approves one within the mandate,
// denies one outside it. The refusals: a forged sign-in (wrong domain, replayed nonce, another
// wallet's signature), a session used for another patient, a tampered transaction — each
// refused with a clear message, the ledger unchanged. Screenshots of every screen at desktop
// and 360 px width go to docs/portal/ (embedded in docs/PORTAL.md).
//
//   cd portal && npm ci && npm test         (MEDCHAIN_BIN, CHROMIUM override the paths)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createPrivateKey, createHash, sign } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import puppeteer from "puppeteer-core";

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, "..", "..");
const BIN = process.env.MEDCHAIN_BIN ?? join(ROOT, "target", "release", "medchain");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = join(ROOT, "docs", "portal");
const CHAIN = "solana:medchain-embedded-ledger";

// ----- keys ---------------------------------------------------------------------------------

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
function base58(bytes) {
  let n = BigInt("0x" + (Buffer.from(bytes).toString("hex") || "0"));
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = "1" + out;
  }
  return out;
}

/** A solana-keygen file as a signing key. */
function keypair(path) {
  const bytes = Uint8Array.from(JSON.parse(readFileSync(path, "utf8")));
  const seed = bytes.slice(0, 32);
  const publicKey = bytes.slice(32, 64);
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seed)]);
  const key = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  return { address: base58(publicKey), publicKey, sign: (message) => sign(null, message, key) };
}

// ----- the world ----------------------------------------------------------------------------

let dir, ledger, keys, server, base, browser;
const world = { mode: "", signer: null };

function cli(...args) {
  const out = execFileSync(BIN, ["--ledger", ledger, "--output", "json", ...args], {
    env: { ...process.env, HOME: dir },
    encoding: "utf8",
  });
  return JSON.parse(out);
}

/** SHA-256 of the ledger file: it changes with every transaction. */
function ledgerDigest() {
  return createHash("sha256").update(readFileSync(join(ledger, "ledger.bin"))).digest("hex");
}

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
    s.on("error", reject);
  });
}

async function startServe() {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(
    BIN,
    [
      "--ledger", ledger, "serve", "--bind", `127.0.0.1:${port}`, "--base-url", base,
      "--fee-payer", join(dir, "clinic.json"),
      "--provider-name", `${keys.physician.address}=Dr. Rivera`,
      "--provider-name", `${keys.second.address}=Dr. Okafor`,
      "--record-decisions", "--provider-keypair", join(ledger, "keys", "physician.json"),
      "--rate-limit", "6000", "--burst", "1000",
    ],
    { env: { ...process.env, HOME: dir }, stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise((ready, fail) => {
    let text = "";
    server.stdout.on("data", (chunk) => {
      text += chunk;
      if (text.includes("listening on")) ready();
    });
    server.on("exit", (code) => fail(new Error(`serve exited with ${code}`)));
  });
}

async function stopServe() {
  if (!server) return;
  const exited = new Promise((done) => server.once("exit", done));
  server.kill("SIGTERM");
  await exited;
  server = null;
}

before(async () => {
  assert.ok(existsSync(BIN), `build the binary first: cargo build --release -p medchain-cli (${BIN})`);
  assert.ok(existsSync(CHROMIUM), `install Chromium: apt-get install chromium (${CHROMIUM})`);
  dir = mkdtempSync(join(tmpdir(), "medchain-portal-test-"));
  ledger = join(dir, "ledger");
  execFileSync(BIN, ["--output", "json", "demo", "--keep", ledger], { env: { ...process.env, HOME: dir } });
  const k = (name) => keypair(join(ledger, "keys", `${name}.json`));
  keys = { patient: k("patient"), physician: k("physician"), issuer: k("issuer") };
  const key = (name) => join(ledger, "keys", `${name}.json`);
  for (const name of ["clinic", "second", "guardian", "stranger", "carer"]) cli("keygen", "-o", join(dir, `${name}.json`));
  keys.second = keypair(join(dir, "second.json"));
  keys.guardian = keypair(join(dir, "guardian.json"));
  keys.stranger = keypair(join(dir, "stranger.json"));
  keys.carer = keypair(join(dir, "carer.json"));
  const P = keys.patient.address;
  // What the demo leaves, plus: a pending request of the physician, a second provider with a
  // labs consent and a record it anchored, a break-glass window with an emergency read, a
  // delegate, and a stranger patient with two requests of their own and a carer who may
  // answer them within imaging.
  cli("-k", key("physician"), "provider", "request", P, "--nonce", "7", "--categories", "imaging,labs", "--actions", "read,write", "--days", "30");
  writeFileSync(join(dir, "licence.txt"), "synthetic credential");
  cli("-k", key("issuer"), "issuer", "register-provider", "--provider-keypair", join(dir, "second.json"), "--credential-file", join(dir, "licence.txt"), "--kind", "physician");
  cli("-k", key("patient"), "patient", "grant", keys.second.address, "--categories", "labs", "--actions", "read,write", "--days", "90");
  writeFileSync(join(dir, "lab.json"), JSON.stringify({ resourceType: "Observation", id: "a1c", status: "final", code: { text: "HbA1c" }, valueQuantity: { value: 5.4, unit: "%" } }));
  cli("-k", join(dir, "second.json"), "provider", "anchor-record", join(dir, "lab.json"), "--patient", P, "--category", "labs");
  cli("-k", key("physician"), "provider", "break-glass", P, "--issuer", keys.issuer.address, "--reason", "2", "--hours", "4");
  cli("-k", key("physician"), "provider", "record-access", P, "--category", "labs", "--purpose", "ETREAT", "--action", "read");
  cli("-k", key("patient"), "patient", "delegate-add", keys.guardian.address, "--can", "revoke", "--categories", "all", "--days", "90");
  cli("-k", join(dir, "stranger.json"), "patient", "register");
  cli("-k", key("physician"), "provider", "request", keys.stranger.address, "--nonce", "1", "--categories", "imaging", "--days", "7");
  cli("-k", join(dir, "second.json"), "provider", "request", keys.stranger.address, "--nonce", "1", "--categories", "labs", "--days", "7");
  cli("-k", join(dir, "stranger.json"), "patient", "delegate-add", keys.carer.address, "--can", "answer", "--categories", "imaging", "--days", "30");
  await startServe();
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      `--user-data-dir=${join(dir, "chromium")}`,
    ],
  });
});

after(async () => {
  await browser?.close();
  await stopServe();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ----- the page -----------------------------------------------------------------------------

const walletScript = (async () => {
  const result = await esbuild.build({
    entryPoints: [join(here, "wallet.ts")],
    bundle: true,
    format: "iife",
    target: "es2022",
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0].text;
})();

/** A page with the test wallet of `signer` and every request it makes recorded. */
async function openPortal(signer = keys.patient, width = 1280) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height: 900 });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  world.signer = signer;
  await page.exposeFunction("medchainTestWalletAccount", () => ({ address: world.signer.address, publicKey: Buffer.from(world.signer.publicKey).toString("base64") }));
  await page.exposeFunction("medchainTestWalletMode", () => world.mode);
  await page.exposeFunction("medchainTestWalletSign", (kind, message) => {
    const key = world.mode === "otherKey" ? keys.stranger : world.signer;
    return key.sign(Buffer.from(message, "base64")).toString("base64");
  });
  await page.evaluateOnNewDocument(await walletScript);
  await page.goto(`${base}/portal`, { waitUntil: "load" });
  return { page, requests, errors };
}

const status = (page) => page.$eval("#status", (e) => e.textContent ?? "");

async function waitStatus(page, pattern) {
  try {
    await page.waitForFunction((source) => new RegExp(source).test(document.querySelector("#status")?.textContent ?? ""), { timeout: 20000 }, pattern.source);
  } catch (e) {
    throw new Error(`the status never matched ${pattern}: it says '${await status(page)}'`);
  }
  return status(page);
}

async function signIn(page) {
  await page.waitForSelector("button.primary");
  await page.click("button.primary");
  return waitStatus(page, /Signed in|refused/);
}

/** Opens a screen, finding and clicking its tab in one step (a live refresh may redraw the tabs). */
async function screen(page, label) {
  const found = await page.evaluate((label) => {
    const tab = Array.from(document.querySelectorAll("nav button")).find((e) => (e.firstChild?.textContent ?? "") === label);
    tab?.click();
    return Boolean(tab);
  }, label);
  if (!found) throw new Error(`no screen ${label}`);
}

const text = (page) => page.$eval("main", (e) => e.innerText);

/** Screenshots of the page now, at desktop width and at 360 px. */
async function shoot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.setViewport({ width: 1280, height: 900 });
  await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewport({ width: 360, height: 780 });
  await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name}: the page is wider than 360 px by ${overflow} px`);
  await page.setViewport({ width: 1280, height: 900 });
}

// ----- the tests ----------------------------------------------------------------------------

test("forged sign-ins are refused and open no session", async () => {
  const { page } = await openPortal();
  await shoot(page, "sign-in");
  const before = ledgerDigest();
  for (const [mode, words] of [
    ["wrongDomain", /signed for clinic\.example\.evil, not for this site \(127\.0\.0\.1:\d+\)/],
    ["otherKey", /the signature does not match the message and the address/],
  ]) {
    world.mode = mode;
    const said = await signIn(page);
    assert.match(said, /^Sign-in refused/, mode);
    assert.match(said, words, mode);
    assert.equal((await page.evaluate(() => fetch("/portal/api/session").then((r) => r.status))), 401, `${mode}: no session`);
  }
  // A good sign-in, then the same signed message again (the wallet replays it).
  world.mode = "";
  assert.match(await signIn(page), /Signed in as/);
  await page.click("#signout");
  await waitStatus(page, /^Signed out/);
  world.mode = "replay";
  const replayed = await signIn(page);
  assert.match(replayed, /already used or has expired/);
  world.mode = "";
  assert.equal(ledgerDigest(), before, "a sign-in never touches the ledger");
  await page.browserContext().close();
});

test("the whole story: sign in, approve narrowed, denied attempts, revoke, break-glass, a live notification", async () => {
  const { page, requests, errors } = await openPortal();
  assert.match(await signIn(page), /Signed in as/);
  await page.waitForSelector("nav");
  let main = await text(page);
  assert.match(main, /Dr\. Okafor/, "the second provider's access is shown");
  assert.match(main, /Read and write access to observations \(labs\) for treatment/);
  await shoot(page, "access");

  // Requests: approve only imaging, read, 7 days.
  await screen(page, "Requests");
  main = await text(page);
  assert.match(main, /Dr\. Rivera asks for access/);
  assert.match(main, /Read and write access to observations \(labs\) and imaging for treatment, for 30 days/);
  await shoot(page, "requests");
  const form = await page.$("form[data-request]");
  const uncheck = async (value) => {
    const box = await form.$(`input[value="${value}"]`);
    if (await box.evaluate((e) => e.checked)) await box.click();
  };
  await uncheck("observations");
  await uncheck("write");
  const days = await form.$("input[name=days]");
  await days.evaluate((e) => {
    e.value = "";
  });
  await days.type("7");
  assert.equal(await days.evaluate((e) => e.value), "7");

  // First a tampering wallet: refused, nothing changes.
  const before = ledgerDigest();
  world.mode = "tamper";
  await (await form.$("button[type=submit]")).click();
  const refused = await waitStatus(page, /Not changed|Approved/);
  assert.match(refused, /refused: the signed transaction is not the one built for you \(its message differs from the one built\); it was not sent and nothing changed/);
  assert.equal(ledgerDigest(), before, "the tampered transaction changed nothing");
  world.mode = "";
  await (await form.$("button[type=submit]")).click();
  const approved = await waitStatus(page, /^Approved|Not changed/);
  assert.match(approved, /Approved: Dr\. Rivera now has read access to imaging for treatment, for 7 days\./);

  // The consent, as the ledger now says.
  await screen(page, "Access now");
  main = await text(page);
  assert.match(main, /Dr\. Rivera\s+Read access to imaging for treatment/);

  // Who looked: the demo's denied attempts are highlighted; the emergency read too.
  await screen(page, "Who looked");
  const denied = await page.$$eval("li.audit.denied", (items) => items.map((e) => e.innerText));
  assert.ok(denied.length >= 2, `denied attempts shown: ${denied}`);
  assert.ok(denied.some((t) => /Dr\. Rivera tried to write imaging for treatment/.test(t) && /denied: the consent does not cover this action/.test(t)), denied.join("\n"));
  const emergency = await page.$$eval("li.audit.emergency", (items) => items.map((e) => e.innerText));
  assert.ok(emergency.some((t) => /read observations \(labs\) for emergency treatment/.test(t)), emergency.join("\n"));
  const times = await page.$$eval("li.audit time", (items) => items.map((e) => Date.parse(e.getAttribute("datetime"))));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), "newest first");
  await shoot(page, "who-looked");

  // Review the break-glass window and end it now (with a confirmation).
  const end = await page.$("article.emergency button.danger");
  await end.click();
  await page.waitForSelector("dialog[open]");
  assert.match(await page.$eval("#confirm-text", (e) => e.textContent), /Reviewed and ended the emergency access of Dr\. Rivera/);
  await page.click("#confirm-ok");
  assert.match(await waitStatus(page, /^Reviewed|Not changed/), /Reviewed and ended the emergency access of Dr\. Rivera\./);
  await page.waitForFunction(() => document.querySelector("article.emergency")?.textContent?.includes("You reviewed it."));

  // Revoke Dr. Rivera (confirm), and the provider loses access.
  await screen(page, "Access now");
  const card = await page.$$eval("article[data-consent]", (cards) => cards.findIndex((c) => c.textContent.includes("Dr. Rivera")));
  const revoke = (await page.$$("article[data-consent]"))[card];
  await (await revoke.$("button.danger")).click();
  await page.waitForSelector("dialog[open]");
  assert.match(await page.$eval("#confirm-text", (e) => e.textContent), /^Stop Dr\. Rivera's read access to imaging for treatment now/);
  await shoot(page, "revoke-confirm");
  await page.click("#confirm-ok");
  assert.match(await waitStatus(page, /^Revoked|Not changed/), /Revoked the access of Dr\. Rivera\./);
  main = await text(page);
  assert.match(main, /Ended[\s\S]*Dr\. Rivera[\s\S]*revoked/);
  assert.match(main, /keeps what they already opened/, "the reseal hint");
  const decision = await fetch(`${base}/xacml`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      Request: {
        AccessSubject: [{ Attribute: [{ AttributeId: "actor", Value: [{ system: "urn:ietf:rfc:3986", value: `${CHAIN}:${keys.physician.address}` }] }] }],
        Action: [{ Attribute: [{ AttributeId: "purposeOfUse", Value: ["TREAT"] }] }],
        Resource: [{ Attribute: [{ AttributeId: "patientId", Value: [{ system: "urn:ietf:rfc:3986", value: `${CHAIN}:${keys.patient.address}` }] }, { AttributeId: "class", Value: [{ system: "http://hl7.org/fhir/resource-types", value: "ImagingStudy" }] }] }],
      },
    }),
  }).then((r) => r.json());
  assert.equal(decision.Response[0].Decision, "Deny", "the physician lost access");
  await shoot(page, "access-after-revoke");

  // The consult above was recorded (--record-decisions): a live notification, and the
  // denied attempt appears in Who looked without a reload.
  const live = /Dr\. Rivera tried to read imaging for treatment — denied: the patient revoked the consent/;
  await page.waitForFunction((source) => new RegExp(source).test(document.querySelector("#notifications")?.textContent ?? ""), { timeout: 5000 }, live.source);
  await screen(page, "Who looked");
  const newest = await page.$eval("li.audit", (e) => e.innerText);
  assert.match(newest, /Dr\. Rivera tried to read imaging for treatment/, "the recorded consult is the newest entry");
  assert.match(newest, /denied: the patient revoked the consent/);
  await shoot(page, "notification");

  // Records and delegates.
  await screen(page, "Records");
  main = await text(page);
  assert.match(main, /Observations \(labs\)\s+current\s+1/);
  assert.match(main, /Dr\. Okafor/);
  await shoot(page, "records");
  await screen(page, "Delegates");
  main = await text(page);
  assert.match(main, new RegExp(keys.guardian.address));
  assert.match(main, /May revoke any consent for you\./);
  await shoot(page, "delegates");
  await (await page.$("article[data-delegate] button.danger")).click();
  await page.waitForSelector("dialog[open]");
  await page.click("#confirm-ok");
  assert.match(await waitStatus(page, /^Removed|Not changed/), /Removed the delegate/);
  assert.match(await text(page), /Nobody may act for you\./);

  // Keyboard: the screens are buttons in the tab order, with names.
  const unnamed = await page.$$eval("button, input", (els) => els.filter((e) => !(e.labels?.length || e.textContent?.trim() || e.getAttribute("aria-label"))).length);
  assert.equal(unnamed, 0, "every control has a name");

  // Nothing but this server was asked for anything.
  const foreign = requests.filter((u) => !u.startsWith(base) && !u.startsWith("data:"));
  assert.deepEqual(foreign, [], "no third-party request");
  assert.deepEqual(errors.filter((e) => !/401|403|400/.test(e)), [], "no script errors");
  await page.browserContext().close();
});

test("a session cannot read or act for another patient", async () => {
  const { page } = await openPortal();
  assert.match(await signIn(page), /Signed in as/);
  const before = ledgerDigest();
  const stranger = keys.stranger.address;
  const answers = await page.evaluate(async (stranger) => {
    const read = await fetch(`/portal/api/patients/${stranger}`);
    const built = await fetch(`/portal/api/patients/${stranger}/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "deny", request: "11111111111111111111111111111111" }),
    });
    return [read.status, (await read.json()).message, built.status];
  }, stranger);
  assert.equal(answers[0], 403);
  assert.match(answers[1], /cannot read or change the records of another patient/);
  assert.equal(answers[2], 403);
  assert.equal(ledgerDigest(), before, "nothing changed");
  // A page whose wallet is another patient's shows only that patient.
  await page.browserContext().close();
});

test("a carer answers for the patient they act for: approves within the mandate, denies beyond it", async () => {
  const { page, errors } = await openPortal(keys.carer);
  assert.match(await signIn(page), /Signed in as/);
  await page.waitForSelector("nav");
  const S = keys.stranger.address;
  assert.match(await text(page), /not registered as a patient: it acts for the patients who named it their delegate/);

  await screen(page, "Requests");
  let main = await text(page);
  assert.match(main, /Requests you answer as a delegate/);
  assert.match(main, new RegExp(`For patient ${S}`));
  assert.doesNotMatch(main, /Requests waiting for your answer/, "the carer has no requests of their own");
  const card = async (provider) => {
    for (const c of await page.$$("article[data-answer]")) {
      if ((await c.evaluate((e) => e.textContent)).includes(provider)) return c;
    }
    throw new Error(`no request of ${provider}`);
  };
  const rivera = await card("Dr. Rivera");
  assert.match(await rivera.evaluate((e) => e.innerText), /This lies within your mandate/);
  const okafor = await card("Dr. Okafor");
  const okaforText = await okafor.evaluate((e) => e.innerText);
  assert.match(okaforText, /Read access to observations \(labs\) for treatment, for 7 days/);
  assert.match(okaforText, /Nothing of this request lies within your mandate/);
  assert.equal(await okafor.$("button[type=submit]"), null, "no approve button beyond the mandate");
  await shoot(page, "delegate-requests");

  // Approve Dr. Rivera's request: the dialog says on whose behalf.
  await (await rivera.$("button[type=submit]")).click();
  await page.waitForSelector("dialog[open]");
  const confirmText = await page.$eval("#confirm-text", (e) => e.textContent);
  assert.match(confirmText, new RegExp(`^You are approving on behalf of patient ${S}: Dr\\. Rivera gets read access to imaging for treatment, for 7 days\\.`));
  await shoot(page, "delegate-approve-confirm");
  await page.click("#confirm-ok");
  assert.match(await waitStatus(page, /^You are approving|Not changed/), /^You are approving on behalf of patient/);

  // Deny Dr. Okafor's.
  await (await (await card("Dr. Okafor")).$("button.danger")).click();
  await page.waitForSelector("dialog[open]");
  assert.match(await page.$eval("#confirm-text", (e) => e.textContent), new RegExp(`^You are denying on behalf of patient ${S}: the request of Dr\\. Okafor\\.`));
  await page.click("#confirm-ok");
  assert.match(await waitStatus(page, /^You are denying|Not changed/), /^You are denying on behalf of patient/);
  assert.match(await text(page), /No request of theirs is waiting\./);

  // The mandate, under Delegates.
  await screen(page, "Delegates");
  main = await text(page);
  assert.match(main, /Whom you act for/);
  assert.match(main, /You may answer providers' requests \(approve or deny\) for this patient\./);
  assert.match(main, /Within: read access to imaging for treatment\./);
  await shoot(page, "acting-for");
  await page.browserContext().close();

  // The ledger, read by the CLI once the server has let go of it: the consent, with the
  // carer (a delegate index) as grantor, and the patient's own trail naming who answered.
  await stopServe();
  const consent = cli("consent", "show", "--patient", S, "--provider", keys.physician.address);
  assert.equal(consent.status, "active");
  assert.deepEqual(consent.categories, ["imaging"]);
  assert.ok(consent.grantor > 0, `the consent names the carer (a delegate index) as grantor: ${consent.grantor}`);
  const { audit } = cli("-k", join(dir, "stranger.json"), "patient", "audit");
  const answered = audit.filter((e) => /^delegate_(approve|deny)_request$/.test(e.instruction));
  assert.deepEqual(answered.map((e) => [e.instruction, e.actor]), [
    ["delegate_deny_request", keys.carer.address],
    ["delegate_approve_request", keys.carer.address],
  ]);
  assert.deepEqual(errors.filter((e) => !/401|403|400/.test(e)), [], "no script errors");
});
