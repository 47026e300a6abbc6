//! Ids at the seams: documents, uploads, grants and requests are 128-bit random
//! values written as 32 lowercase hex digits. Each kind has its own type, checked
//! once where it enters (JSON, a URL path, a stored record), so that a grant id can
//! never be passed where a document id is meant, and `short()` always has its
//! characters to show.

use serde::{Deserialize, Deserializer, Serialize};

/// Hex digits in an id.
pub const ID_LEN: usize = 32;
/// Hex digits shown to people (and typed back as a prefix).
pub const SHORT_LEN: usize = 8;

/// Why text is not an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an id (32 lowercase hex digits)")]
pub struct InvalidId;

fn check(s: &str) -> Result<(), InvalidId> {
    let ok = s.len() == ID_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(InvalidId)
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id.
            pub fn generate() -> $name {
                $name(crate::crypto::hex(&crate::crypto::random_bytes::<16>()))
            }

            pub fn parse(s: &str) -> Result<$name, InvalidId> {
                check(s)?;
                Ok($name(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The first eight digits, as lists show them.
            pub fn short(&self) -> &str {
                &self.0[..SHORT_LEN]
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<$name, InvalidId> {
                $name::parse(s)
            }
        }

        /// Read as text wherever text is wanted (store keys, messages); made only
        /// by [`Self::parse`] or [`Self::generate`].
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some("^[0-9a-f]{32}$"))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

id_type!(
    /// A document in a vault.
    DocumentId
);
id_type!(
    /// An upload waiting for its commit.
    UploadId
);
id_type!(
    /// A grant (a citizen's signed consent).
    GrantId
);
id_type!(
    /// A mediator's request for a paper.
    RequestId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_once_and_shown_short() {
        let id = DocumentId::generate();
        assert_eq!(id.as_str().len(), ID_LEN);
        assert_eq!(id.short(), &id.as_str()[..SHORT_LEN]);
        assert_eq!(DocumentId::parse(id.as_str()), Ok(id.clone()));
        for bad in [
            "",
            "abcd",
            &"A".repeat(32),
            &"g".repeat(32),
            &"a".repeat(33),
            "../etc",
        ] {
            assert_eq!(DocumentId::parse(bad), Err(InvalidId), "{bad}");
        }
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<DocumentId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<GrantId>("\"1234\"").is_err());
    }
}
