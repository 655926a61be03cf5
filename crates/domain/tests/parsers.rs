//! Property-based fuzzing of every parser of the domain: questionnaire (cycle definition) JSON
//! and TOML, and response input. None may panic; every error carries a message, and errors
//! about a member name its path.

use barometer_domain::response::{ActivityInput, LocationInput, Purpose};
use barometer_domain::{CycleDefinition, FieldErrors, ResponseInput};
use proptest::prelude::*;
use serde_json::{Value, json};

fn definition() -> CycleDefinition {
    static DEFINITION: std::sync::LazyLock<CycleDefinition> = std::sync::LazyLock::new(|| {
        barometer_domain::demo::dataset().unwrap().cycles.into_iter().find(|c| c.definition.label.as_str() == "2026").unwrap().definition
    });
    DEFINITION.clone()
}

const CYCLE_KEYS: &[&str] = &["label", "opens_on", "closes_on", "max_ranked_themes", "tiers", "themes", "regions", "activity_kinds"];

/// Every error has a message, and a path that is empty (the document as a whole), starts with
/// one of `roots`, or is an unknown member's own name.
fn well_formed(errors: &FieldErrors, roots: &[&str]) -> Result<(), TestCaseError> {
    prop_assert!(!errors.is_empty(), "an error carries at least one problem");
    for (path, message) in errors.iter() {
        prop_assert!(!message.trim().is_empty(), "an empty message for {path:?}");
        prop_assert!(
            path.is_empty() || roots.iter().any(|r| path.starts_with(r)) || message.starts_with("unknown field"),
            "an error path outside the document: {path:?} ({message})"
        );
    }
    Ok(())
}

/// Any JSON value, with strings that are sometimes dates, codes or hostile text.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        prop_oneof![
            Just("2026-02-30".to_owned()),
            Just("9999-12-31".to_owned()),
            Just("youth-pve".to_owned()),
            Just("\u{202E}".to_owned()),
            Just("<script>".to_owned()),
            ".{0,20}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![proptest::sample::select(CYCLE_KEYS.to_vec()).prop_map(str::to_owned), "[a-z_]{1,8}"],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the member at a random place of `value` (walking `steps`) with `new`.
fn mutate(value: &mut Value, steps: &[usize], new: Value) {
    let Some((&step, rest)) = steps.split_first() else {
        *value = new;
        return;
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(step % map.len()).unwrap().clone();
            mutate(map.get_mut(&key).unwrap(), rest, new);
        }
        Value::Array(items) if !items.is_empty() => {
            let i = step % items.len();
            mutate(&mut items[i], rest, new);
        }
        other => *other = new,
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("youth-pve".to_owned()),
        Just("ai-tech".to_owned()),
        Just("sahel".to_owned()),
        Just("2026-03-10".to_owned()),
        Just("ITA".to_owned()),
        Just("conference".to_owned()),
        Just("a\u{202E}b".to_owned()),
        Just("=HYPERLINK(\"x\")".to_owned()),
        Just("00000000-0000-0000-0000-000000000000".to_owned()),
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
    ]
}

fn activity() -> impl Strategy<Value = ActivityInput> {
    (
        (proptest::option::of(text()), text(), text(), text(), proptest::option::of(text())),
        (proptest::option::of((text(), text())), any::<bool>()),
        (proptest::collection::vec(text(), 0..4), proptest::collection::vec(text(), 0..4), proptest::collection::vec(text(), 0..4)),
        proptest::option::of(text()),
    )
        .prop_map(|((id, title, kind, starts_on, ends_on), (location, online), (themes, regions, partners), status)| ActivityInput {
            id,
            title,
            kind,
            starts_on,
            ends_on,
            location: location.map(|(city, country)| LocationInput { city, country }),
            online,
            themes,
            regions,
            partners,
            status,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn no_text_makes_the_definition_parsers_panic(text in "(?s).{0,400}") {
        for parsed in [CycleDefinition::from_json(&text), CycleDefinition::from_toml(&text), CycleDefinition::from_text(&text)] {
            if let Err(errors) = parsed {
                well_formed(&errors, CYCLE_KEYS)?;
            }
        }
    }

    #[test]
    fn no_json_document_makes_the_definition_parser_panic(value in any_json()) {
        if let Err(errors) = CycleDefinition::from_json(&value.to_string()) {
            well_formed(&errors, CYCLE_KEYS)?;
        }
    }

    /// A valid definition with one member replaced: the error names the member's path.
    #[test]
    fn a_broken_member_of_a_definition_is_named(steps in proptest::collection::vec(any::<usize>(), 1..5), new in any_json()) {
        let mut value = serde_json::to_value(definition()).unwrap();
        mutate(&mut value, &steps, new);
        let text = value.to_string();
        match CycleDefinition::from_json(&text) {
            Ok(def) => {
                // Whatever is accepted reads back the same, through JSON and through TOML.
                prop_assert_eq!(CycleDefinition::from_json(&serde_json::to_string(&def).unwrap()).unwrap(), def.clone());
                prop_assert_eq!(CycleDefinition::from_toml(&def.to_toml()).unwrap(), def);
            }
            Err(errors) => {
                well_formed(&errors, CYCLE_KEYS)?;
                // The document is an object with every member present, so the problem lies in a
                // member: its path (or, for a member missing inside one, its name) is given.
                for (path, message) in errors.iter() {
                    prop_assert!(!path.is_empty() || message.contains('`'), "no path or member named: {message}");
                }
            }
        }
    }

    /// Labels with any text at all survive the TOML editor's round trip (the new-cycle page
    /// shows a copy as TOML and parses it back).
    #[test]
    fn any_accepted_label_survives_a_toml_round_trip(labels in proptest::collection::vec(any::<String>(), 1..4)) {
        let mut value = serde_json::to_value(definition()).unwrap();
        for (i, label) in labels.iter().enumerate() {
            value["themes"][i]["labels"] = json!({"en": label, "ar": format!("{label} مؤتمر")});
        }
        if let Ok(def) = CycleDefinition::from_json(&value.to_string()) {
            let back = CycleDefinition::from_toml(&def.to_toml());
            prop_assert_eq!(back.as_ref().ok(), Some(&def), "{:?}", back.as_ref().err());
        }
    }

    #[test]
    fn no_text_makes_the_response_parser_panic(text in "(?s).{0,400}") {
        if let Err(errors) = ResponseInput::from_json(&text) {
            well_formed(&errors, &["themes", "regions", "activities", "comment"])?;
        }
    }

    /// Any strings in any field of a response: the rules answer, never panic, and every problem
    /// is reported at a path of the input.
    #[test]
    fn no_response_input_makes_validation_panic(
        themes in proptest::collection::vec(text(), 0..8),
        regions in proptest::collection::vec(text(), 0..5),
        activities in proptest::collection::vec(activity(), 0..3),
        comment in text(),
        submit in any::<bool>(),
    ) {
        let input = ResponseInput::new(themes, regions, activities, comment);
        // Through JSON, as the API receives it.
        let parsed = ResponseInput::from_json(&serde_json::to_string(&input).unwrap()).unwrap();
        let purpose = if submit { Purpose::Submit } else { Purpose::Draft };
        if let Err(errors) = parsed.validate(&definition(), purpose) {
            well_formed(&errors, &["themes", "regions", "activities", "comment"])?;
            for (path, _) in errors.iter() {
                prop_assert!(!path.is_empty(), "a rule's error always names its field");
            }
        }
    }
}

#[test]
fn deeply_nested_documents_are_errors_not_crashes() {
    for depth in [100, 10_000, 100_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(CycleDefinition::from_json(&format!("{{\"label\": {nested}}}")).is_err());
        assert!(CycleDefinition::from_toml(&format!("label = {nested}")).is_err());
        let tables = format!("label = {}1{}", "{a = ".repeat(depth), "}".repeat(depth));
        assert!(CycleDefinition::from_toml(&tables).is_err());
        assert!(ResponseInput::from_json(&format!("{{\"comment\": {nested}}}")).is_err());
    }
}
