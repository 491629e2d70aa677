//! Unit tests of the canonicaliser (RFC 8785 examples, number formatting, errors).

use super::jcs::{cmp_utf16, plain_run};
use super::numbers::{write_f64, write_number_slow};
use super::*;

fn canon(s: &str) -> String {
    match canonicalize_json(s.as_bytes()) {
        Ok(v) => String::from_utf8(v).expect("canonical output is UTF-8"),
        Err(e) => panic!("canonicalize {s:?}: {e}"),
    }
}

fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 8785 §3.2.2: the example input and its canonical form.
const RFC_EXAMPLE_INPUT: &str = r#"{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#;
const RFC_EXAMPLE_OUTPUT: &str = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";

#[test]
fn rfc8785_example_3_2_2() {
    assert_eq!(canon(RFC_EXAMPLE_INPUT), RFC_EXAMPLE_OUTPUT);
    // The RFC's §3.2.4 UTF-8 hex dump of the same output.
    let expected_hex = "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 \
             75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a \
             5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 \
             65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 \
             5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30 \
             30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d";
    let expected: Vec<u8> =
        expected_hex.split_whitespace().map(|h| u8::from_str_radix(h, 16).expect("hex")).collect();
    assert_eq!(canonicalize_json(RFC_EXAMPLE_INPUT.as_bytes()).expect("ok"), expected);
}

#[test]
fn rfc8785_sorting_example_3_2_3() {
    let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
             \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
             \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(canon(input), expected);
    // The same keys given as raw UTF-8 rather than escapes sort the same way.
    let raw_input = "{\"\u{20ac}\":1,\"\u{fb33}\":2,\"\u{1f600}\":3,\"\u{80}\":4}";
    assert_eq!(canon(raw_input), "{\"\u{80}\":4,\"\u{20ac}\":1,\"\u{1f600}\":3,\"\u{fb33}\":2}");
}

/// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical JSON numbers.
#[test]
fn rfc8785_appendix_b_numbers() {
    let cases: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    for &(bits, expected) in cases {
        let value = f64::from_bits(bits);
        let mut out = Vec::new();
        write_f64(value, &mut out);
        assert_eq!(String::from_utf8_lossy(&out), expected, "bits {bits:016x}");
        // And through the parser: Rust's shortest round-trip text of the double.
        let text = format!("{value:e}");
        assert_eq!(canon(&text), expected, "parsed from {text}");
        assert_eq!(canon(&format!("[{value:?}]")), format!("[{expected}]"));
    }
    // NaN and Infinity cannot be written in JSON; overflowing literals are errors.
    for s in ["1e400", "-1e400", "[1.8e308]"] {
        assert!(matches!(
            canonicalize_json(s.as_bytes()),
            Err(HashingError::NumberOutOfRange { .. })
        ));
    }
    for s in ["NaN", "Infinity", "-Infinity", "[nan]"] {
        assert!(matches!(canonicalize_json(s.as_bytes()), Err(HashingError::Syntax { .. })));
    }
}

#[test]
fn numbers_in_the_text_of_the_rfc() {
    for (input, expected) in [
        ("1E30", "1e+30"),
        ("1e+30", "1e+30"),
        ("4.50", "4.5"),
        ("2e-3", "0.002"),
        ("0.002", "0.002"),
        ("0.000000000000000000000000001", "1e-27"),
        ("1e-27", "1e-27"),
        ("-0", "0"),
        ("-0.0", "0"),
        ("0e10", "0"),
        ("-0e-10", "0"),
        ("333333333.33333329", "333333333.3333333"),
        ("1.0", "1"),
        ("100", "100"),
        ("-1.50", "-1.5"),
        ("0.000001", "0.000001"),
        ("0.0000001", "1e-7"),
        ("123456789012345", "123456789012345"),
        ("1234567890123456789", "1234567890123456800"),
        ("18446744073709551615", "18446744073709552000"),
        ("100000000000000000000", "100000000000000000000"),
        ("1000000000000000000000", "1e+21"),
        ("9007199254740993", "9007199254740992"),
        ("1e-400", "0"),
        ("12.5e1", "125"),
        ("37.20", "37.2"),
    ] {
        assert_eq!(canon(input), expected, "{input}");
    }
}

/// Compares the fast number path with the general path on many generated tokens.
#[test]
fn fast_number_path_agrees_with_general_path() {
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..200_000 {
        let r = next();
        let int_len = (r % 17) as usize;
        let frac_len = ((r >> 8) % 19) as usize;
        let mut token = String::new();
        if r & (1 << 20) != 0 {
            token.push('-');
        }
        if int_len == 0 || r & (1 << 21) != 0 {
            token.push('0');
        } else {
            for i in 0..int_len {
                let d = (next() % 10) as u8;
                token.push(char::from(b'0' + if i == 0 { d % 9 + 1 } else { d }));
            }
        }
        if frac_len > 0 {
            token.push('.');
            let zeros = if r & (1 << 22) != 0 { ((r >> 24) % 9) as usize } else { 0 };
            for i in 0..frac_len {
                let d = if i < zeros { 0 } else { (next() % 10) as u8 };
                token.push(char::from(b'0' + d));
            }
        }
        let mut slow = Vec::new();
        assert!(write_number_slow(token.as_bytes(), &mut slow).is_ok());
        assert_eq!(canon(&token).as_bytes(), &slow[..], "token {token}");
    }
}

#[test]
fn string_escaping() {
    assert_eq!(canon(r#""\u0000\u001f\u007f\u0080""#), "\"\\u0000\\u001f\u{7f}\u{80}\"");
    assert_eq!(canon(r#""\b\f\n\r\t\/\\\"""#), r#""\b\f\n\r\t/\\\"""#);
    assert_eq!(canon(r#""\u0008\u000C\u000A\u000D\u0009""#), r#""\b\f\n\r\t""#);
    assert_eq!(canon(r#""\u00e9\u00C9é""#), "\"\u{e9}\u{c9}\u{e9}\"");
    assert_eq!(canon(r#""\uD83D\uDE00""#), "\"\u{1f600}\"");
    assert_eq!(canon(r#""<\/script>&""#), "\"</script>&\"");
    // No Unicode normalisation (RFC 8785 §3.1): "A\u030a" stays two code points.
    assert_eq!(canon(r#""A\u030a""#), "\"A\u{30a}\"");
    assert_eq!(canon(r#""\u2028\u2029""#), "\"\u{2028}\u{2029}\"");
}

#[test]
fn plain_run_finds_the_first_special_byte() {
    let naive =
        |b: &[u8]| b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).unwrap_or(b.len());
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for len in 0..40usize {
        for _ in 0..2000 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Mostly plain bytes, some specials and high bytes.
                    match state % 16 {
                        0 => b'"',
                        1 => b'\\',
                        2 => (state >> 8) as u8 % 0x20,
                        3 => 0x80 | (state >> 8) as u8,
                        _ => 0x20 + (state >> 8) as u8 % 0x5f,
                    }
                })
                .collect();
            assert_eq!(plain_run(&bytes), naive(&bytes), "{bytes:?}");
        }
    }
}

#[test]
fn structures() {
    assert_eq!(canon(" [ ] "), "[]");
    assert_eq!(canon("{ }"), "{}");
    assert_eq!(canon("\t\r\n true \n"), "true");
    assert_eq!(canon(r#""x""#), r#""x""#);
    assert_eq!(
        canon(r#"[56, {"d": true, "10": null, "1": [ ]}]"#),
        r#"[56,{"1":[],"10":null,"d":true}]"#
    );
    assert_eq!(
        canon(
            r#"{"1": {"f": {"f": "hi","F": 5} ,"\n": 56.0}, "10": { }, "": "empty",
                    "a": { }, "111": [ {"e": "yes","E": "no" } ], "A": { }}"#
        ),
        r#"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],"A":{},"a":{}}"#
    );
    // Sorting compares decoded names: "\u0061" is "a".
    assert_eq!(canon(r#"{"b":1,"\u0061":2}"#), r#"{"a":2,"b":1}"#);
    // Locale-independent: plain code-unit order.
    assert_eq!(
        canon(r#"{"sin":4,"pêche":3,"péché":2,"peach":1}"#),
        "{\"peach\":1,\"p\u{e9}ch\u{e9}\":2,\"p\u{ea}che\":3,\"sin\":4}"
    );
}

#[test]
fn utf16_order_helper() {
    let mut keys = vec![
        "\u{fb33}", "\u{1f600}", "\u{ffff}", "\u{e000}", "\u{d7ff}", "\u{10000}", "a", "", "ab",
        "\u{10ffff}",
    ];
    keys.sort_by(|a, b| cmp_utf16(a.as_bytes(), b.as_bytes()));
    let mut by_units = keys.clone();
    by_units.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    assert_eq!(keys, by_units);
    assert_eq!(
        keys,
        vec![
            "", "a", "ab", "\u{d7ff}", "\u{10000}", "\u{1f600}", "\u{10ffff}", "\u{e000}",
            "\u{fb33}", "\u{ffff}"
        ]
    );
}

#[test]
fn rejects_invalid_json_with_position() {
    let err = canonicalize_json(b"{\n  \"a\": 1,\n  \"b\" 2\n}").expect_err("invalid");
    assert_eq!(
        err,
        HashingError::Syntax { line: 3, column: 7, reason: "expected ':' after member name" }
    );
    assert_eq!((err.line(), err.column()), (3, 7));
    assert!(err.to_string().contains("line 3, column 7"), "{err}");

    for bad in [
        "", " ", "{", "}", "[1,]", "[1 2]", "{\"a\":1,}", "{a:1}", "{'a':1}", "01", "1.", ".5",
        "+1", "1e", "1e+", "-", "--1", "tru", "nul", "\"abc", "\"a\\x\"", "\"\\u12\"",
        "\"\\u12g4\"", "\"tab\there\"", "\"nl\nhere\"", "[1]x", "{} {}", "\u{feff}{}", "[1,,2]",
        "{\"a\"}", "{\"a\":}", "1 2",
    ] {
        match canonicalize_json(bad.as_bytes()) {
            Err(HashingError::Syntax { .. }) => {}
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
}

#[test]
fn rejects_non_i_json() {
    assert_eq!(
        canonicalize_json(b"{\"a\":1,\n\"a\":2}"),
        Err(HashingError::DuplicateKey { key: "a".into(), line: 2, column: 1 })
    );
    // Duplicates spelled differently, and duplicates found while sorting.
    assert!(matches!(
        canonicalize_json(br#"{"b":0,"a":1,"c":2,"\u0061":3}"#),
        Err(HashingError::DuplicateKey { ref key, .. }) if key == "a"
    ));
    // Same name in different objects is fine.
    assert_eq!(canon(r#"{"a":{"a":1},"b":{"a":2}}"#), r#"{"a":{"a":1},"b":{"a":2}}"#);
    for lone in [r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#, r#""\ud800x""#] {
        assert!(
            matches!(canonicalize_json(lone.as_bytes()), Err(HashingError::LoneSurrogate { .. })),
            "{lone}"
        );
    }
    assert!(matches!(
        canonicalize_json(b"\"\xff\""),
        Err(HashingError::InvalidUtf8 { line: 1, column: 2 })
    ));
    assert!(matches!(
        canonicalize_json(b"[\"\xed\xa0\x80\"]"),
        Err(HashingError::InvalidUtf8 { .. })
    ));
}

#[test]
fn nesting_limit() {
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert_eq!(canon(&ok), ok);
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    assert!(matches!(canonicalize_json(deep.as_bytes()), Err(HashingError::TooDeep { .. })));
    // Hostile input: an error, not a stack overflow.
    let hostile = "[".repeat(1_000_000);
    assert!(canonicalize_json(hostile.as_bytes()).is_err());
    let hostile = "{\"a\":".repeat(1_000_000);
    assert!(canonicalize_json(hostile.as_bytes()).is_err());
}

#[test]
fn canonical_form_is_a_fixed_point() {
    let once = canonicalize_json(RFC_EXAMPLE_INPUT.as_bytes()).expect("ok");
    assert_eq!(canonicalize_json(&once).expect("ok"), once);
    let obs = canonicalize_json(OBSERVATION.as_bytes()).expect("ok");
    assert_eq!(canonicalize_json(&obs).expect("ok"), obs);
}

#[test]
fn canonicalize_into_appends_and_restores_on_error() {
    let mut c = JsonCanonicalizer::new();
    let mut out = b"prefix:".to_vec();
    c.canonicalize_into(br#"{"b":1,"a":2}"#, &mut out).expect("ok");
    assert_eq!(out, br#"prefix:{"a":2,"b":1}"#);
    assert!(c.canonicalize_into(br#"{"b":1,"a":}"#, &mut out).is_err());
    assert_eq!(out, br#"prefix:{"a":2,"b":1}"#);
    // The instance is reusable after an error.
    assert_eq!(
        c.content_hash(br#"{"a":2,"b":1}"#).expect("ok"),
        content_hash_json(br#"{ "b" : 1 , "a" : 2 }"#).expect("ok")
    );
}

/// Differential check against the `serde_json_canonicalizer` crate on a varied corpus.
#[test]
fn agrees_with_serde_json_canonicalizer() {
    let corpus = [
        RFC_EXAMPLE_INPUT,
        OBSERVATION,
        r#"{"z":[1,2.5,-3e-7,1e21,123456789.123456789,{"y":"\u00e9\n"}],"a":null}"#,
        r#"[0.1,0.2,0.30000000000000004,1e-6,1e-7,5e-324,1.7976931348623157e308]"#,
        r#"{"\u20ac":1,"\ufb33":2,"\ud83d\ude00":3,"\u0080":4,"\u00f6":5,"\r":6,"1":7}"#,
    ];
    for doc in corpus {
        let theirs = serde_json_canonicalizer::pipe(doc).expect("reference canonicalizes");
        assert_eq!(canon(doc), theirs, "{doc}");
    }
}

/// A small synthetic FHIR R4 Observation (no real person: made-up identifiers only).
const OBSERVATION: &str = r#"{
  "resourceType": "Observation",
  "id": "obs-0001",
  "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5", "display": "Body temperature"}]},
  "subject": {"reference": "Patient/synthetic-42"},
  "effectiveDateTime": "2024-03-01T10:15:00Z",
  "valueQuantity": {"value": 37.2, "unit": "°C", "system": "http://unitsofmeasure.org", "code": "Cel"},
  "note": [{"text": "Synthetic test record.\nNot a real patient."}]
}"#;

#[test]
fn hash_ignores_member_order_and_whitespace() {
    let reordered = r#"{"valueQuantity":{"code":"Cel","system":"http://unitsofmeasure.org","unit":"°C","value":37.2},
            "note":[{"text":"Synthetic test record.\nNot a real patient."}],"effectiveDateTime":"2024-03-01T10:15:00Z",
            "subject":{"reference":"Patient/synthetic-42"},"code":{"coding":[{"display":"Body temperature","code":"8310-5","system":"http://loinc.org"}]},
            "category":[{"coding":[{"code":"vital-signs","system":"http://terminology.hl7.org/CodeSystem/observation-category"}]}],
            "status":"final","id":"obs-0001","resourceType":"Observation"}"#;
    let a = content_hash_json(OBSERVATION.as_bytes()).expect("ok");
    let b = content_hash_json(reordered.as_bytes()).expect("ok");
    assert_eq!(a, b);
    let compact = canonicalize_json(OBSERVATION.as_bytes()).expect("ok");
    assert_eq!(content_hash_raw(&compact), a);
    assert_eq!(content_hash(OBSERVATION.as_bytes(), ContentKind::Json), Ok(a));
    // Raw hashing is byte-exact, so it does see the whitespace.
    assert_ne!(content_hash_raw(OBSERVATION.as_bytes()), a);
}

#[test]
fn hash_changes_with_any_value_change() {
    let base = content_hash_json(OBSERVATION.as_bytes()).expect("ok");
    for (from, to) in [
        ("37.2", "37.21"),
        ("37.2", "-37.2"),
        ("37.2", "37.3"),
        ("\"final\"", "\"amended\""),
        ("\"final\"", "\"Final\""),
        ("8310-5", "8310-6"),
        ("synthetic-42", "synthetic-43"),
        ("°C", "°F"),
        ("Not a real", "Not a  real"),
        ("\"resourceType\"", "\"resourcetype\""),
        ("\"vital-signs\"}", "\"vital-signs\", \"extra\": null}"),
        ("[{\"text\"", "[{\"x\":1},{\"text\""),
    ] {
        assert!(OBSERVATION.contains(from), "{from}");
        let changed = OBSERVATION.replacen(from, to, 1);
        let h = content_hash_json(changed.as_bytes()).expect("still valid");
        assert_ne!(h, base, "{from} -> {to}");
    }
}

/// Replacing any single byte of a resource with any other value either makes it
/// unparsable or changes its content hash. The only exception JCS is designed to
/// ignore is one whitespace character between tokens becoming another, which must
/// keep the hash. (The document has no `\uXXXX` escapes, exponents or trailing
/// fraction zeros, whose spelling JCS also normalises.)
#[test]
fn every_single_byte_change_is_detected() {
    let doc = OBSERVATION.as_bytes();
    let base = content_hash_json(doc).expect("ok");
    // Which bytes are inside a string literal (including its quotes).
    let mut in_string = vec![false; doc.len()];
    let (mut inside, mut escaped) = (false, false);
    for (i, &b) in doc.iter().enumerate() {
        if inside {
            in_string[i] = true;
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                inside = false;
            }
        } else if b == b'"' {
            inside = true;
            in_string[i] = true;
        }
    }
    let ws = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let mut c = JsonCanonicalizer::new();
    let (mut rejected, mut changed, mut same_ws) = (0usize, 0usize, 0usize);
    let mut tampered = doc.to_vec();
    for i in 0..doc.len() {
        for value in 0..=255u8 {
            if value == doc[i] {
                continue;
            }
            tampered[i] = value;
            match c.content_hash(&tampered) {
                Err(_) => rejected += 1,
                Ok(h) if !in_string[i] && ws(doc[i]) && ws(value) => {
                    assert_eq!(h, base, "whitespace swap at byte {i}");
                    same_ws += 1;
                }
                Ok(h) => {
                    assert_ne!(h, base, "byte {i} -> {value:#04x} went unnoticed");
                    changed += 1;
                }
            }
        }
        tampered[i] = doc[i];
    }
    assert!(rejected > 0 && changed > 0 && same_ws > 0);
}

#[test]
fn known_answer_hashes() {
    // sha256 of the RFC 8785 example's canonical bytes, and of "abc" (FIPS 180-2).
    assert_eq!(
        hex(&content_hash_json(RFC_EXAMPLE_INPUT.as_bytes()).expect("ok")),
        "2d5e01a318d0f0879ab568c4be289c8b1f64ef8921a53c6277d5e069978baacb"
    );
    assert_eq!(
        hex(&content_hash_raw(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(content_hash(b"abc", ContentKind::Raw), Ok(content_hash_raw(b"abc")));
}

#[test]
fn media_types() {
    for json in [
        "application/fhir+json",
        "application/fhir+json; fhirVersion=4.0",
        "Application/JSON",
        "text/json",
    ] {
        assert_eq!(ContentKind::from_media_type(json), ContentKind::Json, "{json}");
    }
    for raw in ["application/pdf", "application/dicom", "text/plain", "application/fhir+xml", ""] {
        assert_eq!(ContentKind::from_media_type(raw), ContentKind::Raw, "{raw}");
    }
}

#[test]
fn the_kind_of_a_file_comes_from_its_name_only() {
    use std::path::Path;
    for json in ["observation.json", "a/b/patient.fhir.json", "SCAN.JSON", "x.Json"] {
        assert_eq!(ContentKind::for_path(Path::new(json), false), ContentKind::Json, "{json}");
        assert_eq!(ContentKind::for_path(Path::new(json), true), ContentKind::Raw, "{json}");
    }
    for raw in ["scan.pdf", "note.txt", "json", "archive.json.gz", "noext", ".json"] {
        assert_eq!(ContentKind::for_path(Path::new(raw), false), ContentKind::Raw, "{raw}");
    }
    assert_eq!(ContentKind::Json.name(), "json");
    assert_eq!(ContentKind::Raw.name(), "raw");
}

#[test]
fn hash_file_never_falls_back_to_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("obs.json");
    std::fs::write(&json, b"{ \"b\": 1, \"a\": 2 }").expect("write");
    assert_eq!(
        hash_file(&json, ContentKind::for_path(&json, false)).expect("json"),
        content_hash_json(b"{\"a\":2,\"b\":1}").expect("canonical")
    );
    // The same JSON in a .txt file is hashed as the bytes it is.
    let txt = dir.path().join("obs.txt");
    std::fs::write(&txt, b"{ \"b\": 1, \"a\": 2 }").expect("write");
    assert_eq!(
        hash_file(&txt, ContentKind::for_path(&txt, false)).expect("raw"),
        content_hash_raw(b"{ \"b\": 1, \"a\": 2 }")
    );
    // A damaged .json file is an error naming the file and the place.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, b"{\"a\": }").expect("write");
    let err = hash_file(&bad, ContentKind::Json).expect_err("invalid");
    assert!(matches!(err, FileHashError::InvalidJson { .. }), "{err:?}");
    assert!(
        err.to_string().contains("bad.json is not valid JSON: invalid JSON at line 1"),
        "{err}"
    );
    assert_eq!(hash_file(&bad, ContentKind::Raw).expect("raw"), content_hash_raw(b"{\"a\": }"));
    let missing = dir.path().join("missing.json");
    assert!(matches!(hash_file(&missing, ContentKind::Json), Err(FileHashError::Read { .. })));
}

#[test]
fn the_default_record_id_is_the_sha256_of_the_content_hash() {
    let content = content_hash_json(b"{}").expect("hash");
    assert_eq!(default_record_id(&content), content_hash_raw(&content));
}
