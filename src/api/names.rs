//! User names: 3 to 64 of `a-z 0-9 . _ -`, starting with a letter or digit. The rule
//! lives here, with the type that can only hold a name that follows it.

use serde::{Deserialize, Deserializer, Serialize};

/// Why text is not a user name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a user name (3 to 64 of a-z 0-9 . _ -, starting with a letter or digit)")]
pub struct InvalidUserName;

/// Whether `user` follows the rule.
pub fn valid_user_name(user: &str) -> bool {
    let ok_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
    (3..=64).contains(&user.len())
        && user.bytes().all(ok_char)
        && user
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
}

/// A user name that follows the rule (made only by [`UserName::parse`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UserName(String);

impl UserName {
    pub fn parse(s: &str) -> Result<UserName, InvalidUserName> {
        if valid_user_name(s) {
            Ok(UserName(s.to_owned()))
        } else {
            Err(InvalidUserName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for UserName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for UserName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for UserName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for UserName {
    type Err = InvalidUserName;
    fn from_str(s: &str) -> Result<UserName, InvalidUserName> {
        UserName::parse(s)
    }
}

impl PartialEq<str> for UserName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for UserName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for UserName {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<UserName> for String {
    fn eq(&self, other: &UserName) -> bool {
        *self == other.0
    }
}

impl<'de> Deserialize<'de> for UserName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UserName, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        UserName::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for UserName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[a-z0-9][a-z0-9._-]{2,63}$"))
            .into()
    }
}

impl utoipa::ToSchema for UserName {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        for ok in ["mme.b", "abc", "jean-pierre_2"] {
            assert!(UserName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["ab", "Alice", ".hidden", "a b", "é-x", &"x".repeat(65)] {
            assert_eq!(UserName::parse(bad), Err(InvalidUserName), "{bad}");
        }
        assert!(serde_json::from_str::<UserName>("\"Alice\"").is_err());
    }
}
