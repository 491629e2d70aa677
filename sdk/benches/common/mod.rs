//! Deterministic synthetic FHIR R4 resources for the benchmarks.
//!
//! Observations (vital signs, blood pressure with components, laboratory results with
//! reference ranges) and Conditions, each with meta, identifiers, references and an XHTML
//! narrative, about 1-2 KB each. Half are pretty-printed, half compact; members are in
//! FHIR's usual (non-canonical) order, so the canonicaliser really has to sort. All
//! identifiers, references and texts are made up: no real person appears anywhere.

#![allow(dead_code)] // each bench binary uses a different subset

/// A small deterministic PRNG (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }

    /// A decimal with `decimals` fraction digits in [lo, hi).
    pub fn decimal(&mut self, lo: f64, hi: f64, decimals: usize) -> String {
        let scale = 10f64.powi(decimals as i32);
        let v = lo + (hi - lo) * (self.below(1_000_000) as f64 / 1_000_000.0);
        format!("{:.*}", decimals, (v * scale).round() / scale)
    }
}

/// A JSON value as the generator builds it (member order preserved).
pub enum J {
    Obj(Vec<(&'static str, J)>),
    Arr(Vec<J>),
    Str(String),
    /// Already-formatted number text.
    Num(String),
    Bool(bool),
}

fn s(v: impl Into<String>) -> J {
    J::Str(v.into())
}

fn coding(system: &str, code: &str, display: &str) -> J {
    J::Obj(vec![("system", s(system)), ("code", s(code)), ("display", s(display))])
}

fn concept(system: &str, code: &str, display: &str) -> J {
    J::Obj(vec![("coding", J::Arr(vec![coding(system, code, display)])), ("text", s(display))])
}

fn reference(r: String) -> J {
    J::Obj(vec![("reference", J::Str(r))])
}

fn write_str(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Serialises `v`, pretty-printed with two-space indentation or compact.
pub fn write_json(out: &mut String, v: &J, pretty: bool, indent: usize) {
    let nl = |out: &mut String, level: usize| {
        if pretty {
            out.push('\n');
            for _ in 0..level {
                out.push_str("  ");
            }
        }
    };
    match v {
        J::Obj(members) => {
            out.push('{');
            for (i, (k, val)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, indent + 1);
                write_str(out, k);
                out.push_str(if pretty { ": " } else { ":" });
                write_json(out, val, pretty, indent + 1);
            }
            if !members.is_empty() {
                nl(out, indent);
            }
            out.push('}');
        }
        J::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, indent + 1);
                write_json(out, item, pretty, indent + 1);
            }
            if !items.is_empty() {
                nl(out, indent);
            }
            out.push(']');
        }
        J::Str(v) => write_str(out, v),
        J::Num(n) => out.push_str(n),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

const LOINC: &str = "http://loinc.org";
const SNOMED: &str = "http://snomed.info/sct";
const UCUM: &str = "http://unitsofmeasure.org";

/// (code, display, unit, ucum code, low, high, decimals, category)
type ObservationKind =
    (&'static str, &'static str, &'static str, &'static str, f64, f64, usize, &'static str);

const OBSERVATIONS: &[ObservationKind] = &[
    ("8867-4", "Heart rate", "beats/minute", "/min", 48.0, 130.0, 0, "vital-signs"),
    ("8310-5", "Body temperature", "°C", "Cel", 35.5, 40.2, 1, "vital-signs"),
    ("9279-1", "Respiratory rate", "breaths/minute", "/min", 10.0, 30.0, 0, "vital-signs"),
    ("2708-6", "Oxygen saturation in Arterial blood", "%", "%", 85.0, 100.0, 0, "vital-signs"),
    ("29463-7", "Body weight", "kg", "kg", 3.0, 140.0, 1, "vital-signs"),
    ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", "mg/dL", 60.0, 260.0, 0, "laboratory"),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", "g/dL", 8.0, 18.0, 1, "laboratory"),
    (
        "2160-0",
        "Creatinine [Mass/volume] in Serum or Plasma",
        "mg/dL",
        "mg/dL",
        0.4,
        3.5,
        2,
        "laboratory",
    ),
    (
        "14682-9",
        "Creatinine [Moles/volume] in Serum or Plasma",
        "µmol/L",
        "umol/L",
        35.0,
        300.0,
        0,
        "laboratory",
    ),
    (
        "2823-3",
        "Potassium [Moles/volume] in Serum or Plasma",
        "mmol/L",
        "mmol/L",
        2.8,
        6.2,
        1,
        "laboratory",
    ),
    ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "%", 4.0, 12.0, 1, "laboratory"),
];

const CONDITIONS: &[(&str, &str)] = &[
    ("44054006", "Diabetes mellitus type 2"),
    ("38341003", "Hypertensive disorder, systemic arterial"),
    ("195967001", "Asthma"),
    ("13645005", "Chronic obstructive lung disease"),
    ("49436004", "Atrial fibrillation"),
    ("709044004", "Chronic kidney disease"),
    ("35489007", "Depressive disorder"),
    ("840539006", "Disease caused by severe acute respiratory syndrome coronavirus 2"),
];

const NOTES: &[&str] = &[
    "Synthetic benchmark record; values generated deterministically.",
    "Patient reports feeling well.\nNo acute distress observed.",
    "Repeat measurement after 15 min rest: \"stable\".",
    "Réévaluation prévue dans 3 mois — contrôle tensionnel.",
    "Follow-up in 4 weeks\twith primary care.",
];

fn date(rng: &mut Rng) -> String {
    format!(
        "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        15 + rng.below(10),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

fn meta(rng: &mut Rng, profile: &str) -> J {
    J::Obj(vec![
        ("versionId", s((1 + rng.below(9)).to_string())),
        ("lastUpdated", s(date(rng))),
        ("source", s(format!("#synthetic-gw-{:03}", rng.below(50)))),
        ("profile", J::Arr(vec![s(profile)])),
    ])
}

fn narrative(summary: &str) -> J {
    J::Obj(vec![
        ("status", s("generated")),
        (
            "div",
            s(format!(
                "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p><b>Synthetic record</b></p><p>{summary}</p></div>"
            )),
        ),
    ])
}

fn observation(i: u64, rng: &mut Rng) -> J {
    let patient = format!("Patient/synth-{:06}", rng.below(1_000_000));
    let when = date(rng);
    let mut m = vec![
        ("resourceType", s("Observation")),
        ("id", s(format!("obs-{i:08}"))),
        ("meta", meta(rng, "http://hl7.org/fhir/StructureDefinition/vitalsigns")),
    ];
    let bp = rng.below(6) == 0;
    let (code, display, unit, ucum, lo, hi, decimals, category) = if bp {
        ("85354-9", "Blood pressure panel", "", "", 0.0, 0.0, 0, "vital-signs")
    } else {
        *rng.pick(OBSERVATIONS)
    };
    m.push(("text", narrative(&format!("{display} for {patient} at {when}"))));
    m.push((
        "identifier",
        J::Arr(vec![J::Obj(vec![
            ("system", s("urn:oid:2.16.840.1.113883.19.5.99999.1")),
            ("value", s(format!("{:012}", rng.next_u64() % 1_000_000_000_000))),
        ])]),
    ));
    m.push(("status", s(*rng.pick(&["final", "final", "amended", "preliminary"]))));
    m.push((
        "category",
        J::Arr(vec![concept(
            "http://terminology.hl7.org/CodeSystem/observation-category",
            category,
            if category == "laboratory" { "Laboratory" } else { "Vital Signs" },
        )]),
    ));
    m.push(("code", concept(LOINC, code, display)));
    m.push(("subject", reference(patient)));
    m.push(("encounter", reference(format!("Encounter/synth-enc-{:07}", rng.below(10_000_000)))));
    m.push(("effectiveDateTime", s(when)));
    m.push(("issued", s(date(rng))));
    m.push((
        "performer",
        J::Arr(vec![reference(format!("Practitioner/synth-pr-{:04}", rng.below(5000)))]),
    ));
    let quantity = |rng: &mut Rng, lo, hi, d, unit: &str, ucum: &str| {
        J::Obj(vec![
            ("value", J::Num(rng.decimal(lo, hi, d))),
            ("unit", s(unit)),
            ("system", s(UCUM)),
            ("code", s(ucum)),
        ])
    };
    if bp {
        let comp = |rng: &mut Rng, code: &str, display: &str, lo, hi| {
            J::Obj(vec![
                ("code", concept(LOINC, code, display)),
                ("valueQuantity", quantity(rng, lo, hi, 0, "mmHg", "mm[Hg]")),
            ])
        };
        m.push((
            "component",
            J::Arr(vec![
                comp(rng, "8480-6", "Systolic blood pressure", 95.0, 190.0),
                comp(rng, "8462-4", "Diastolic blood pressure", 55.0, 115.0),
            ]),
        ));
    } else {
        m.push(("valueQuantity", quantity(rng, lo, hi, decimals, unit, ucum)));
        let interpretation = *rng.pick(&[("N", "Normal"), ("H", "High"), ("L", "Low")]);
        m.push((
            "interpretation",
            J::Arr(vec![concept(
                "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                interpretation.0,
                interpretation.1,
            )]),
        ));
        if category == "laboratory" {
            let span = hi - lo;
            m.push((
                "referenceRange",
                J::Arr(vec![J::Obj(vec![
                    ("low", quantity(rng, lo + span * 0.2, lo + span * 0.3, decimals, unit, ucum)),
                    ("high", quantity(rng, lo + span * 0.6, lo + span * 0.7, decimals, unit, ucum)),
                    ("text", s("Synthetic adult reference interval")),
                ])]),
            ));
        }
    }
    if rng.below(2) == 0 {
        m.push(("note", J::Arr(vec![J::Obj(vec![("text", s(*rng.pick(NOTES)))])])));
    }
    J::Obj(m)
}

fn condition(i: u64, rng: &mut Rng) -> J {
    let patient = format!("Patient/synth-{:06}", rng.below(1_000_000));
    let (code, display) = *rng.pick(CONDITIONS);
    let onset = date(rng);
    let mut m = vec![
        ("resourceType", s("Condition")),
        ("id", s(format!("cond-{i:08}"))),
        ("meta", meta(rng, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition")),
        ("text", narrative(&format!("{display} for {patient}, onset {onset}"))),
        (
            "identifier",
            J::Arr(vec![J::Obj(vec![
                ("system", s("urn:oid:2.16.840.1.113883.19.5.99999.2")),
                ("value", s(format!("{:010}", rng.below(10_000_000_000)))),
            ])]),
        ),
        (
            "clinicalStatus",
            concept(
                "http://terminology.hl7.org/CodeSystem/condition-clinical",
                rng.pick_str(&["active", "recurrence", "remission", "resolved"]),
                "Clinical status",
            ),
        ),
        (
            "verificationStatus",
            concept(
                "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                rng.pick_str(&["confirmed", "provisional", "differential"]),
                "Verification status",
            ),
        ),
        (
            "category",
            J::Arr(vec![concept(
                "http://terminology.hl7.org/CodeSystem/condition-category",
                "problem-list-item",
                "Problem List Item",
            )]),
        ),
        (
            "severity",
            concept(SNOMED, rng.pick_str(&["24484000", "6736007", "255604002"]), "Severity"),
        ),
        ("code", concept(SNOMED, code, display)),
        ("subject", reference(patient)),
        ("encounter", reference(format!("Encounter/synth-enc-{:07}", rng.below(10_000_000)))),
        ("onsetDateTime", s(onset)),
        ("recordedDate", s(date(rng))),
        ("recorder", reference(format!("Practitioner/synth-pr-{:04}", rng.below(5000)))),
    ];
    if rng.below(3) == 0 {
        m.push((
            "evidence",
            J::Arr(vec![J::Obj(vec![(
                "detail",
                J::Arr(vec![reference(format!("Observation/obs-{:08}", rng.below(i + 1)))]),
            )])]),
        ));
    }
    if rng.below(2) == 0 {
        m.push(("note", J::Arr(vec![J::Obj(vec![("text", s(*rng.pick(NOTES)))])])));
    }
    m.push(("abatementBoolean", J::Bool(rng.below(4) == 0)));
    J::Obj(m)
}

/// The `i`-th synthetic resource (deterministic).
pub fn resource(i: u64) -> Vec<u8> {
    let mut rng = Rng::new(0x6d65_6463_6861_696e ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let value = if rng.below(3) == 0 { condition(i, &mut rng) } else { observation(i, &mut rng) };
    let mut out = String::with_capacity(2048);
    write_json(&mut out, &value, i.is_multiple_of(2), 0);
    out.into_bytes()
}

/// `n` synthetic resources.
pub fn resources(n: u64) -> Vec<Vec<u8>> {
    (0..n).map(resource).collect()
}
