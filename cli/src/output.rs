//! Output for people (aligned tables, plain statuses, human times) and for machines
//! (`--output json` / `json-compact`; the shapes are documented in docs/CLI.md).

use serde_json::Value;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned tables and sentences for people.
    Display,
    /// Pretty-printed JSON.
    Json,
    /// JSON on one line.
    JsonCompact,
}

/// A command's result: what a person reads and what a machine parses.
pub struct Output {
    /// Text for `--output display`.
    pub human: String,
    /// The value for `--output json`.
    pub json: Value,
}

impl Output {
    /// A result with both forms.
    pub fn new(human: impl Into<String>, json: Value) -> Self {
        Self { human: human.into(), json }
    }

    /// A result already printed as it came (`watch`): nothing is printed at the end.
    pub fn streamed() -> Self {
        Self { human: String::new(), json: Value::Null }
    }

    /// Prints in `format` (nothing for [`Output::streamed`]).
    pub fn print(&self, format: OutputFormat) {
        if self.human.is_empty() && self.json.is_null() {
            return;
        }
        match format {
            OutputFormat::Display => println!("{}", self.human.trim_end()),
            OutputFormat::Json => {
                println!("{}", serde_json::to_string_pretty(&self.json).unwrap_or_default())
            }
            OutputFormat::JsonCompact => {
                println!("{}", serde_json::to_string(&self.json).unwrap_or_default())
            }
        }
    }
}

/// An aligned table with a header row.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.clone()));
        out.push('\n');
    }
    if rows.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

/// "in 3 days", "2 hours ago", … relative to `now`.
pub fn relative_time(at: i64, now: i64) -> String {
    let delta = at - now;
    let secs = delta.unsigned_abs();
    let span = if secs < 60 {
        format!("{secs} s")
    } else if secs < 3_600 {
        format!("{} min", secs / 60)
    } else if secs < 86_400 {
        format!("{} h", secs / 3_600)
    } else {
        format!("{} days", secs / 86_400)
    };
    if delta >= 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_times_read_naturally() {
        let t = table(&["a", "long header"], &[vec!["wide cell".into(), "x".into()]]);
        assert_eq!(t, "a          long header\nwide cell  x\n");
        assert_eq!(table(&["h"], &[]), "h\n(none)\n");
        assert_eq!(relative_time(100 + 3 * 86_400, 100), "in 3 days");
        assert_eq!(relative_time(100, 100 + 7_200), "2 h ago");
    }
}
