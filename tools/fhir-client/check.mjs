// Reads and searches medchain serve's FHIR API with fhir-kit-client (a FHIR R4 client
// library no one at medchain wrote), and validates every resource it receives with FHIR.js
// (npm `fhir`, the R4 StructureDefinitions). Usage:
//   node check.mjs <server /fhir base> <public /fhir base> <patient> <consent id> <batch account>
// Prints one JSON object of what the client got; cli/tests/cli/fhir_client.rs asserts on it.
// The server writes links under its public (https) URL, which a reverse proxy serves in
// production; here the client reaches the server directly, so links are pointed at it.
import { Client } from 'fhir-kit-client';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Fhir } = require('fhir');
const fhir = new Fhir();

const [serverBase, publicBase, patient, consentId, batch] = process.argv.slice(2);
const client = new Client({ baseUrl: serverBase });
const local = (bundle) => {
  for (const link of bundle.link ?? []) link.url = link.url.replace(publicBase, serverBase);
  return bundle;
};

// Every resource received, validated by FHIR.js; the failures are reported.
const invalid = [];
let validated = 0;
const check = (resource) => {
  const result = fhir.validate(resource, { errorOnUnexpected: true });
  validated += 1;
  const errors = (result.messages ?? []).filter((m) => m.severity === 'error');
  if (!result.valid || errors.length > 0) invalid.push({ resourceType: resource.resourceType, errors });
  for (const entry of resource.entry ?? []) if (entry.resource) check(entry.resource);
  return resource;
};

// Follows `next` links from `first` to the end; the ids (or fullUrls) of each page.
const walk = async (first) => {
  const pages = [];
  let page = local(check(first));
  while (page) {
    pages.push((page.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource.id ?? e.fullUrl));
    const next = client.nextPage({ bundle: page });
    page = next ? local(check(await next)) : undefined;
  }
  return pages;
};

const out = {};
const capability = check(await client.capabilityStatement());
out.capability = { resourceType: capability.resourceType, fhirVersion: capability.fhirVersion,
  types: capability.rest[0].resource.map((r) => r.type) };
const consent = check(await client.read({ resourceType: 'Consent', id: consentId }));
out.read = { resourceType: consent.resourceType, id: consent.id, status: consent.status };
const search = check(await client.search({ resourceType: 'Consent', searchParams: { patient } }));
out.consentSearch = { type: search.type, total: search.total, ids: (search.entry ?? []).map((e) => e.resource.id) };
out.pages = await walk(await client.search({ resourceType: 'Consent', searchParams: { patient, _count: '1' } }));
const active = check(await client.search({ resourceType: 'Consent', searchParams: { patient, status: 'active' } }));
out.activeTotal = active.total;
const audit = check(await client.search({ resourceType: 'AuditEvent', searchParams: { patient, date: 'ge2000-01-01' } }));
out.auditSearch = { total: audit.total, types: [...new Set((audit.entry ?? []).map((e) => e.resource.resourceType))] };
out.auditPages = await walk(await client.search({ resourceType: 'AuditEvent', searchParams: { patient, _count: '2' } }));
const future = check(await client.search({ resourceType: 'AuditEvent', searchParams: { patient, date: 'gt9000-01-01' } }));
out.auditFuture = future.total;
const provenance = check(await client.search({ resourceType: 'Provenance', searchParams: { patient } }));
out.provenanceSearch = { total: provenance.total };
const anchored = check(await client.search({ resourceType: 'Provenance', searchParams: { target: batch } }));
out.batchSearch = { total: anchored.total, ids: (anchored.entry ?? []).map((e) => e.resource.id) };
const batchRead = check(await client.read({ resourceType: 'Provenance', id: batch }));
out.batchRead = { resourceType: batchRead.resourceType, id: batchRead.id, target: batchRead.target?.[0]?.identifier?.value };
const failure = async (request) => {
  try {
    await request();
    return 'succeeded';
  } catch (e) {
    if (e.response?.data?.resourceType) check(e.response.data);
    return { status: e.response?.status, resourceType: e.response?.data?.resourceType, code: e.response?.data?.issue?.[0]?.code };
  }
};
out.missing = await failure(() => client.read({ resourceType: 'Consent', id: '11111111111111111111111111111111' }));
out.unknownParam = await failure(() => client.search({ resourceType: 'Consent', searchParams: { patient, color: 'red' } }));
out.noPatient = await failure(() => client.search({ resourceType: 'AuditEvent', searchParams: {} }));
out.unknownType = await failure(() => client.search({ resourceType: 'Patient', searchParams: { name: 'x' } }));
out.validation = { validator: `FHIR.js ${require('fhir/package.json').version}`, validated, invalid };
process.stdout.write(JSON.stringify(out));
