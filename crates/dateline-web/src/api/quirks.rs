//! The shapes WordPress clients give a request body's values in, as small types the body
//! structs are made of: a text as a string or as `{"raw": …}`, an id list as a JSON array or
//! as `"1,2"`, a boolean as `true` or `"1"`, a number as `5` or `"5"`. A form-encoded body
//! carries only strings, so every type here takes its value as a string too.
//!
//! Each refuses anything else with serde's own words ("invalid type: …, expected …"), which
//! [`super::body`] turns into a refusal naming the field.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A text field: `"…"` or `{"raw": "…"}` (what clients read back in the edit context, and so
/// what some send). Other keys beside `raw`, such as `rendered`, are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or {\"raw\": string}")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(Text(text.to_string()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Text, E> {
                Ok(Text(text))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let mut raw = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "raw" {
                        raw = Some(map.next_value::<String>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                raw.map(Text).ok_or_else(|| de::Error::missing_field("raw"))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// A whole number, given as a JSON number or as its digits in a string (`"5"`, as a form sends
/// it). Fractions and numbers beyond `i64` are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Number(pub i64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Number, D::Error> {
        struct NumberVisitor;
        impl Visitor<'_> for NumberVisitor {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Number, E> {
                Ok(Number(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Number, E> {
                i64::try_from(n).map(Number).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(n), &self))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Number, E> {
                text.trim().parse().map(Number).map_err(|_| E::invalid_value(de::Unexpected::Str(text), &self))
            }
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// A list of ids: `[1, 2]`, or `"1,2"` as forms and some clients send it (`""` is the empty
/// list, which clears the field).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct IdList(pub Vec<i64>);

impl<'de> Deserialize<'de> for IdList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IdList, D::Error> {
        struct IdListVisitor;
        impl<'de> Visitor<'de> for IdListVisitor {
            type Value = IdList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of ids ([1, 2] or \"1,2\")")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<IdList, E> {
                text.split(',')
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .map(|id| id.parse().map_err(|_| E::invalid_value(de::Unexpected::Str(id), &self)))
                    .collect::<Result<_, _>>()
                    .map(IdList)
            }
            // Inside a JSON list an id is a number, as before: `["1"]` is refused.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IdList, A::Error> {
                let mut ids = Vec::new();
                while let Some(id) = seq.next_element::<i64>()? {
                    ids.push(id);
                }
                Ok(IdList(ids))
            }
        }
        deserializer.deserialize_any(IdListVisitor)
    }
}

/// A boolean: `true`/`false`, or `"true"`/`"1"`/`"false"`/`"0"` as forms send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Flag, D::Error> {
        struct FlagVisitor;
        impl Visitor<'_> for FlagVisitor {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean (true, false, \"1\" or \"0\")")
            }
            fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Flag, E> {
                Ok(Flag(flag))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Flag, E> {
                match text {
                    "true" | "1" => Ok(Flag(true)),
                    "false" | "0" => Ok(Flag(false)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(text), &self)),
                }
            }
        }
        deserializer.deserialize_any(FlagVisitor)
    }
}

/// For `Option<Option<T>>` fields where a `null` means something (clear the value) apart from
/// leaving the field out (keep it): with `#[serde(default)]`, absent is `None`, `null` is
/// `Some(None)`.
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{from_value, json};

    #[test]
    fn each_quirk_takes_the_json_shape_and_the_form_string() {
        assert_eq!(from_value::<Text>(json!("a")).ok(), Some(Text("a".into())));
        assert_eq!(from_value::<Text>(json!({"raw": "b", "rendered": "<p>b</p>"})).ok(), Some(Text("b".into())));
        assert!(from_value::<Text>(json!({"rendered": "b"})).is_err());
        assert!(from_value::<Text>(json!(5)).is_err());
        assert_eq!(from_value::<Number>(json!(5)).ok(), Some(Number(5)));
        assert_eq!(from_value::<Number>(json!(" 7 ")).ok(), Some(Number(7)));
        assert!(from_value::<Number>(json!(1.5)).is_err());
        assert!(from_value::<Number>(json!("x")).is_err());
        assert_eq!(from_value::<IdList>(json!([1, 2])).ok(), Some(IdList(vec![1, 2])));
        assert_eq!(from_value::<IdList>(json!("3, 4,")).ok(), Some(IdList(vec![3, 4])));
        assert_eq!(from_value::<IdList>(json!("")).ok(), Some(IdList(vec![])));
        assert!(from_value::<IdList>(json!(["1"])).is_err());
        assert!(from_value::<IdList>(json!("a,b")).is_err());
        assert_eq!(from_value::<Flag>(json!(true)).ok(), Some(Flag(true)));
        assert_eq!(from_value::<Flag>(json!("0")).ok(), Some(Flag(false)));
        assert!(from_value::<Flag>(json!("yes")).is_err());
        assert!(from_value::<Flag>(json!(1)).is_err());
    }
}
