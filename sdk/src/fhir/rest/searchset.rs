//! `searchset` Bundles: entries, `total` and the paging links.

use super::operation_outcome;
use super::params::Search;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// One entry of a search's page: the resource and its absolute `fullUrl`.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// `fullUrl`: `<base>/<type>/<id>` for a resource this API reads, a `urn:uuid:` for one
    /// without id (AuditEvents).
    pub full_url: String,
    /// The resource.
    pub resource: Value,
}

/// What a search found: how many matched, the requested page of them, and warnings for the
/// searchset's `OperationOutcome` entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResult {
    /// Every match, before paging.
    pub total: usize,
    /// The page.
    pub page: Vec<Match>,
    /// What the client should know about how the search was done (ignored parameters, a
    /// truncated history).
    pub warnings: Vec<String>,
}

impl SearchResult {
    /// The page `search` asks for of `items` (already in order): `total` is their number,
    /// `page` the ones at `_offset`, at most `_count`.
    pub fn page_of<T>(items: Vec<T>, search: &Search) -> (usize, Vec<T>) {
        let total = items.len();
        let page = items.into_iter().skip(search.offset).take(search.count).collect();
        (total, page)
    }
}

/// A deterministic `urn:uuid:` (RFC 9562 version 8, from SHA-256 of `seed`), for entries
/// without a server id.
pub(crate) fn uuid_urn(seed: &[u8]) -> String {
    let digest = Sha256::digest(seed);
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("urn:uuid:{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// The URL of the page at `offset` of `search` under `base`.
fn page_url(base: &str, search: &Search, offset: usize) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(search.kept.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    query.append_pair("_count", &search.count.to_string());
    query.append_pair("_offset", &offset.to_string());
    format!("{base}/{}?{}", search.resource.name(), query.finish())
}

/// The `searchset` Bundle of `result` for `search` served at `base`: `total`, the `self`,
/// `first`, `last`, `previous` and `next` links (absolute; `_count` and `_offset` always
/// spelled out; only `self` when `_count=0`), an entry per match (`search.mode = match`),
/// and an `OperationOutcome` entry (`search.mode = outcome`) when parameters were ignored
/// or the result has warnings.
pub fn searchset(base: &str, search: &Search, result: &SearchResult) -> Value {
    let base = base.trim_end_matches('/');
    let link = |relation: &str, offset: usize| json!({ "relation": relation, "url": page_url(base, search, offset) });
    let mut links = vec![link("self", search.offset)];
    if search.count > 0 {
        links.push(link("first", 0));
        if search.offset > 0 {
            let previous =
                search.offset.saturating_sub(search.count).min(last(result.total, search.count));
            links.push(link("previous", previous));
        }
        if search.offset + search.count < result.total {
            links.push(link("next", search.offset + search.count));
        }
        links.push(link("last", last(result.total, search.count)));
    }
    let mut entries: Vec<Value> = result
        .page
        .iter()
        .map(|m| {
            json!({
                "fullUrl": m.full_url,
                "resource": m.resource,
                "search": { "mode": "match" },
            })
        })
        .collect();
    let mut warnings = result.warnings.clone();
    if !search.ignored.is_empty() {
        warnings.insert(
            0,
            format!(
                "ignored (Prefer: handling=lenient): {}; see the CapabilityStatement for what is supported",
                search.ignored.join(", ")
            ),
        );
    }
    if !warnings.is_empty() {
        let text = warnings.join(" ");
        let mut outcome = operation_outcome("warning", "informational", &text);
        if let Some(issues) = outcome["issue"].as_array_mut() {
            *issues = warnings
                .iter()
                .map(|w| {
                    let code =
                        if w.starts_with("ignored") { "not-supported" } else { "incomplete" };
                    json!({ "severity": "warning", "code": code, "diagnostics": w })
                })
                .collect();
        }
        entries.push(json!({
            "fullUrl": uuid_urn(text.as_bytes()),
            "resource": outcome,
            "search": { "mode": "outcome" },
        }));
    }
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": result.total,
        "link": links,
    });
    if !entries.is_empty() {
        bundle["entry"] = json!(entries);
    }
    bundle
}

/// The offset of the last page of `total` entries in pages of `count` (> 0).
fn last(total: usize, count: usize) -> usize {
    total.saturating_sub(1) / count * count
}

#[cfg(test)]
mod tests {
    use super::super::capability::ResourceType;
    use super::super::params::pairs;
    use super::*;

    fn search(query: &str, lenient: bool) -> Search {
        Search::parse(ResourceType::Consent, &pairs(query), lenient).expect("search")
    }

    fn links(bundle: &Value) -> Vec<(String, String)> {
        bundle["link"]
            .as_array()
            .expect("links")
            .iter()
            .map(|l| {
                (l["relation"].as_str().expect("r").into(), l["url"].as_str().expect("u").into())
            })
            .collect()
    }

    fn result(total: usize, on_page: usize) -> SearchResult {
        SearchResult {
            total,
            page: (0..on_page)
                .map(|i| Match {
                    full_url: format!("https://c.example/fhir/Consent/c{i}"),
                    resource: json!({ "resourceType": "Consent", "id": format!("c{i}") }),
                })
                .collect(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn links_page_through_the_results() {
        let base = "https://c.example/fhir/";
        let b = searchset(base, &search("patient=a%7Cb&_count=2&_offset=2", false), &result(5, 2));
        let url = |offset: usize| {
            format!("https://c.example/fhir/Consent?patient=a%7Cb&_count=2&_offset={offset}")
        };
        assert_eq!(
            links(&b),
            vec![
                ("self".into(), url(2)),
                ("first".into(), url(0)),
                ("previous".into(), url(0)),
                ("next".into(), url(4)),
                ("last".into(), url(4)),
            ]
        );
        assert_eq!(b["total"], 5);
        assert_eq!(b["type"], "searchset");
        assert_eq!(b["entry"].as_array().expect("entries").len(), 2);
        assert_eq!(b["entry"][0]["search"]["mode"], "match");

        let first = searchset(base, &search("patient=x", false), &result(3, 3));
        let relations: Vec<String> = links(&first).into_iter().map(|l| l.0).collect();
        assert_eq!(relations, ["self", "first", "last"]);

        let empty = searchset(base, &search("patient=x", false), &result(0, 0));
        assert!(empty.get("entry").is_none(), "no empty entry array");
        assert_eq!(links(&empty)[2].1, links(&empty)[1].1, "last of nothing is the first");

        let beyond =
            searchset(base, &search("patient=x&_count=10&_offset=50", false), &result(12, 0));
        let previous = links(&beyond).into_iter().find(|l| l.0 == "previous").expect("previous");
        assert!(previous.1.ends_with("_offset=10"), "{}", previous.1);

        let count_only = searchset(base, &search("patient=x&_count=0", false), &result(7, 0));
        assert_eq!(links(&count_only).len(), 1);
        assert_eq!(count_only["total"], 7);
    }

    #[test]
    fn ignored_parameters_and_warnings_are_an_outcome_entry() {
        let mut r = result(1, 1);
        r.warnings.push("only the newest were searched".into());
        let b = searchset("https://c.example/fhir", &search("patient=x&color=red", true), &r);
        let entries = b["entry"].as_array().expect("entries");
        let outcome = &entries[1];
        assert_eq!(outcome["search"]["mode"], "outcome");
        assert_eq!(outcome["resource"]["resourceType"], "OperationOutcome");
        assert_eq!(outcome["resource"]["issue"][0]["code"], "not-supported");
        assert_eq!(outcome["resource"]["issue"][1]["code"], "incomplete");
        assert!(outcome["fullUrl"].as_str().expect("url").starts_with("urn:uuid:"));
        assert!(!links(&b)[0].1.contains("color"), "the self link leaves ignored parameters out");
    }

    #[test]
    fn uuids_are_deterministic_version_8() {
        let a = uuid_urn(b"x");
        assert_eq!(a, uuid_urn(b"x"));
        assert_ne!(a, uuid_urn(b"y"));
        let u = a.strip_prefix("urn:uuid:").expect("urn");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "8");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
