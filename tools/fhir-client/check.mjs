// Reads and searches medchain serve's FHIR API with fhir-kit-client (a FHIR R4 client
// library no one at medchain wrote). Usage:
//   node check.mjs <server /fhir base> <public /fhir base> <patient> <consent id>
// Prints one JSON object of what the client got; cli/tests/cli/fhir_client.rs asserts on it.
// The server writes links under its public (https) URL, which a reverse proxy serves in
// production; here the client reaches the server directly, so links are pointed at it.
import { Client } from 'fhir-kit-client';

const [serverBase, publicBase, patient, consentId] = process.argv.slice(2);
const client = new Client({ baseUrl: serverBase });
const local = (bundle) => {
  for (const link of bundle.link ?? []) link.url = link.url.replace(publicBase, serverBase);
  return bundle;
};

const out = {};
const capability = await client.capabilityStatement();
out.capability = { resourceType: capability.resourceType, fhirVersion: capability.fhirVersion,
  types: capability.rest[0].resource.map((r) => r.type) };
const consent = await client.read({ resourceType: 'Consent', id: consentId });
out.read = { resourceType: consent.resourceType, id: consent.id, status: consent.status };
const search = await client.search({ resourceType: 'Consent', searchParams: { patient } });
out.consentSearch = { type: search.type, total: search.total, ids: (search.entry ?? []).map((e) => e.resource.id) };
const pages = [];
let page = local(await client.search({ resourceType: 'Consent', searchParams: { patient, _count: '1' } }));
while (page) {
  pages.push((page.entry ?? []).map((e) => e.resource.id));
  const next = client.nextPage({ bundle: page });
  page = next ? local(await next) : undefined;
}
out.pages = pages;
const audit = await client.search({ resourceType: 'AuditEvent', searchParams: { patient, date: 'ge2000-01-01' } });
out.auditSearch = { total: audit.total, types: [...new Set((audit.entry ?? []).map((e) => e.resource.resourceType))] };
const provenance = await client.search({ resourceType: 'Provenance', searchParams: { patient } });
out.provenanceSearch = { total: provenance.total };
try {
  await client.read({ resourceType: 'Consent', id: '11111111111111111111111111111111' });
  out.missing = 'found';
} catch (e) {
  out.missing = { status: e.response?.status, resourceType: e.response?.data?.resourceType };
}
process.stdout.write(JSON.stringify(out));
