//! Plain-word descriptions of terms, for what a patient reads in the wallet before signing:
//! "read access to observations (labs) and imaging for treatment, for 30 days".

use crate::vocabulary::{terms_in, ACTIONS, CATEGORIES, PURPOSES};
use medchain::state::{ProviderKind, Scope};

/// Joins words as a person writes a list: "a", "a and b", "a, b and c".
pub fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "observations (labs) and imaging".
pub fn categories_in_words(mask: u32) -> String {
    join_words(&terms_in(&CATEGORIES, mask).map(|t| t.words).collect::<Vec<_>>())
}

/// "treatment and research".
pub fn purposes_in_words(mask: u16) -> String {
    join_words(&terms_in(&PURPOSES, mask).map(|t| t.words).collect::<Vec<_>>())
}

/// "read", "read and write", "read, write and share".
pub fn actions_in_words(mask: u8) -> String {
    join_words(&terms_in(&ACTIONS, mask).map(|t| t.words).collect::<Vec<_>>())
}

/// "30 days", "1 day", "12 hours", "90 minutes", "45 seconds".
pub fn duration_in_words(secs: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if secs > 0 && secs % 86_400 == 0 {
        plural(secs / 86_400, "day")
    } else if secs > 0 && secs % 3_600 == 0 {
        plural(secs / 3_600, "hour")
    } else if secs > 0 && secs % 60 == 0 {
        plural(secs / 60, "minute")
    } else {
        plural(secs, "second")
    }
}

/// A remaining time rounded down to its largest unit: "29 days", "5 hours", "1 minute".
pub fn remaining_in_words(secs: i64) -> String {
    let secs = secs.max(0);
    let rounded = if secs >= 86_400 {
        secs - secs % 86_400
    } else if secs >= 3_600 {
        secs - secs % 3_600
    } else if secs >= 60 {
        secs - secs % 60
    } else {
        secs
    };
    duration_in_words(rounded)
}

/// "read access to observations (labs) and imaging for treatment".
pub fn access_in_words(scope: &Scope) -> String {
    format!(
        "{} access to {} for {}",
        actions_in_words(scope.actions),
        categories_in_words(scope.categories),
        purposes_in_words(scope.purposes)
    )
}

/// The plain name of a provider kind ("physician", "imaging centre", …).
pub fn kind_in_words(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Physician => "physician",
        ProviderKind::Nurse => "nurse",
        ProviderKind::Pharmacist => "pharmacist",
        ProviderKind::Hospital => "hospital",
        ProviderKind::Clinic => "clinic",
        ProviderKind::Laboratory => "laboratory",
        ProviderKind::Imaging => "imaging centre",
        ProviderKind::Payer => "payer",
        ProviderKind::Researcher => "research organisation",
        ProviderKind::PublicHealth => "public-health authority",
        ProviderKind::Other => "provider",
    }
}

/// A wallet address shortened for a title: `7xKX…sAsU`.
pub fn short_address(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    if chars.len() <= 10 {
        return address.to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{categories, purposes};

    #[test]
    fn terms_read_as_plain_words() {
        assert_eq!(
            access_in_words(&Scope::new(
                categories::OBSERVATIONS | categories::IMAGING,
                purposes::TREAT,
                1
            )),
            "read access to observations (labs) and imaging for treatment"
        );
        assert_eq!(
            categories_in_words(
                categories::DEMOGRAPHICS | categories::GENETICS | categories::IMAGING
            ),
            "demographics, imaging and genetics"
        );
        assert_eq!(
            purposes_in_words(purposes::HRESCH | purposes::PATRQT),
            "research and your own request"
        );
        assert_eq!(actions_in_words(7), "read, write and share");
        assert_eq!(duration_in_words(30 * 86_400), "30 days");
        assert_eq!(duration_in_words(86_400), "1 day");
        assert_eq!(duration_in_words(7_200), "2 hours");
        assert_eq!(duration_in_words(61), "61 seconds");
        assert_eq!(remaining_in_words(30 * 86_400 - 5), "29 days");
        assert_eq!(remaining_in_words(7_300), "2 hours");
        assert_eq!(remaining_in_words(-5), "0 seconds");
        assert_eq!(short_address("7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"), "7xKX…gAsU");
    }
}
