//! Quality profiles: which files a user wants, in order of preference.

use serde::{Deserialize, Serialize};

use crate::{QualityProfileId, TrackDuration};

/// An audio container/codec family a profile can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    Flac,
    Alac,
    Wav,
    Aiff,
    WavPack,
    Mp3,
    Aac,
    Ogg,
    Opus,
}

impl AudioFormat {
    /// Guesses the format from a file name's extension (case-insensitive).
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension.to_ascii_lowercase().as_str() {
            "flac" => Some(Self::Flac),
            "alac" => Some(Self::Alac),
            "wav" => Some(Self::Wav),
            "aif" | "aiff" => Some(Self::Aiff),
            "wv" => Some(Self::WavPack),
            "mp3" => Some(Self::Mp3),
            "m4a" | "aac" | "mp4" => Some(Self::Aac),
            "ogg" | "oga" => Some(Self::Ogg),
            "opus" => Some(Self::Opus),
            _ => None,
        }
    }

    pub fn is_lossless(self) -> bool {
        matches!(
            self,
            Self::Flac | Self::Alac | Self::Wav | Self::Aiff | Self::WavPack
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityProfile {
    pub id: QualityProfileId,
    pub rules: QualityRules,
    pub active: bool,
}

/// The validated content of a quality profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityRules {
    pub name: String,
    /// Accepted formats, best first.
    pub formats: Vec<AudioFormat>,
    pub min_bitrate_kbps: Option<i32>,
    pub max_bitrate_kbps: Option<i32>,
    pub min_size_bytes: Option<i64>,
    pub max_size_bytes: Option<i64>,
    /// How far a candidate's length may be from the track's.
    pub duration_tolerance: TrackDuration,
    /// Words that disqualify a candidate's path (e.g. "live", "karaoke"), matched case-insensitively.
    pub excluded_terms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidQualityRules {
    #[error("a quality profile needs a name of 1-100 characters")]
    Name,
    #[error("a quality profile needs at least one format")]
    NoFormats,
    #[error("the format {0:?} is listed twice")]
    DuplicateFormat(AudioFormat),
    #[error("the minimum {field} is above the maximum")]
    MinAboveMax { field: &'static str },
    #[error("{field} cannot be negative")]
    Negative { field: &'static str },
    #[error("excluded terms cannot be blank")]
    BlankExcludedTerm,
}

impl QualityRules {
    pub fn validate(self) -> Result<Self, InvalidQualityRules> {
        let name_length = self.name.trim().chars().count();
        if name_length == 0 || name_length > 100 {
            return Err(InvalidQualityRules::Name);
        }
        if self.formats.is_empty() {
            return Err(InvalidQualityRules::NoFormats);
        }
        for (index, format) in self.formats.iter().enumerate() {
            if self.formats[..index].contains(format) {
                return Err(InvalidQualityRules::DuplicateFormat(*format));
            }
        }
        check_bounds(
            "bitrate",
            self.min_bitrate_kbps.map(i64::from),
            self.max_bitrate_kbps.map(i64::from),
        )?;
        check_bounds("size", self.min_size_bytes, self.max_size_bytes)?;
        if self
            .excluded_terms
            .iter()
            .any(|term| term.trim().is_empty())
        {
            return Err(InvalidQualityRules::BlankExcludedTerm);
        }
        Ok(self)
    }
}

fn check_bounds(
    field: &'static str,
    min: Option<i64>,
    max: Option<i64>,
) -> Result<(), InvalidQualityRules> {
    if min.is_some_and(|v| v < 0) || max.is_some_and(|v| v < 0) {
        return Err(InvalidQualityRules::Negative { field });
    }
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Err(InvalidQualityRules::MinAboveMax { field });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rules() -> QualityRules {
        QualityRules {
            name: "Lossless".into(),
            formats: vec![AudioFormat::Flac, AudioFormat::Mp3],
            min_bitrate_kbps: Some(256),
            max_bitrate_kbps: None,
            min_size_bytes: None,
            max_size_bytes: None,
            duration_tolerance: TrackDuration::from_millis(3_000).unwrap(),
            excluded_terms: vec!["live".into()],
        }
    }

    #[test]
    fn validation() {
        assert!(rules().validate().is_ok());
        let mut r = rules();
        r.formats.push(AudioFormat::Flac);
        assert_eq!(
            r.validate(),
            Err(InvalidQualityRules::DuplicateFormat(AudioFormat::Flac))
        );
        let mut r = rules();
        r.max_bitrate_kbps = Some(128);
        assert_eq!(
            r.validate(),
            Err(InvalidQualityRules::MinAboveMax { field: "bitrate" })
        );
        let mut r = rules();
        r.formats.clear();
        assert_eq!(r.validate(), Err(InvalidQualityRules::NoFormats));
    }

    #[test]
    fn extensions() {
        assert_eq!(AudioFormat::from_extension("FLAC"), Some(AudioFormat::Flac));
        assert_eq!(AudioFormat::from_extension("txt"), None);
        assert!(AudioFormat::Flac.is_lossless());
    }
}
