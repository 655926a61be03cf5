//! JSON bodies read strictly: an object that gives a member twice is refused.
//!
//! serde_json builds a `Value` by keeping the last of repeated members and dropping the others
//! silently, so `{"themes": ["cft"], "themes": ["victims"]}` would store one of the two answers
//! without a word. JSON allows such a body (RFC 8259 only says names *should* be unique), and
//! parsers disagree on which member wins, so barometer refuses it and names the member. Bodies
//! that deserialise into a struct get the same from serde's derive; bodies read as a `Value`
//! first (to report errors with their paths) take [`Strict`].

use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A JSON value in which no object gives a member twice, at any depth.
#[derive(Debug, Clone, PartialEq)]
pub struct Strict(pub Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Strict::deserialize(deserializer).map(|s| s.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                return Err(A::Error::custom(format!("the member {name:?} is given twice in one object; give it once")));
            }
            let Strict(value) = map.next_value()?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(text: &str) -> Result<Value, String> {
        serde_json::from_str::<Strict>(text).map(|s| s.0).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_what_serde_json_reads_when_no_member_repeats() {
        for text in [
            r#"{"themes": ["cft", "victims"], "n": -3, "big": 18446744073709551615, "x": 1.5e3, "ok": true, "none": null, "nested": {"a": [{}, []]}}"#,
            r#"[1, "two", null]"#,
            r#""just text""#,
            "0",
        ] {
            assert_eq!(strict(text), Ok(serde_json::from_str::<Value>(text).unwrap()), "{text}");
        }
    }

    #[test]
    fn refuses_a_member_given_twice_at_any_depth_and_names_it() {
        for (text, name) in [
            (r#"{"themes": ["cft"], "themes": ["victims"]}"#, "themes"),
            (r#"{"activities": [{"title": "a", "kind": "conference", "title": "b"}]}"#, "title"),
            (r#"[{"location": {"city": "Rome", "city": "Oslo"}}]"#, "city"),
        ] {
            let error = strict(text).unwrap_err();
            assert!(error.contains(&format!("{name:?} is given twice")), "{text}: {error}");
        }
        // The same name in two different objects is not a repeat.
        assert!(strict(r#"[{"title": "a"}, {"title": "b"}]"#).is_ok());
    }

    #[test]
    fn keeps_serde_jsons_limit_on_nesting() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(strict(&deep).unwrap_err().contains("recursion limit"));
    }
}
