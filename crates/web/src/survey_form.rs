//! The survey as an HTML form: field names, parsing a posted form into a `ResponseInput`, and
//! mapping the domain's error paths back onto the form's fields. Works without JavaScript:
//! themes are ranked with a rank number each, activities are numbered blocks.

use std::collections::BTreeMap;

use barometer_domain::FieldErrors;
use barometer_domain::response::{ActivityInput, LocationInput};
use barometer_domain::{Lang, ResponseInput};

/// A posted form, as ordered (name, value) pairs (names repeat for checkboxes).
pub struct Posted(Vec<(String, String)>);

impl Posted {
    /// Parses a URL-encoded body. Text that is not UTF-8 is refused (naming its field) rather
    /// than silently replaced with U+FFFD, so nothing is stored other than as typed.
    pub fn parse(body: &[u8]) -> Result<Posted, String> {
        let decode = |raw: &[u8]| -> Result<String, String> {
            let plus: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
            percent_encoding::percent_decode(&plus)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| String::from_utf8_lossy(raw).into_owned())
        };
        let mut pairs = Vec::new();
        for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let name = decode(name)?;
            let value = decode(value).map_err(|_| name.clone())?;
            pairs.push((name, value));
        }
        Ok(Posted(pairs))
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The activity block numbers present in the form, in order.
    fn activity_indices(&self) -> Vec<usize> {
        let mut indices: Vec<usize> =
            self.0.iter().filter_map(|(k, _)| k.strip_prefix('a')?.split_once('-')?.0.parse().ok()).filter(|i| *i < 500).collect();
        indices.sort_unstable();
        indices.dedup();
        indices
    }
}

/// One activity block as typed, kept verbatim for re-display.
#[derive(Debug, Clone, Default)]
pub struct ActivityDraft {
    pub block: usize,
    pub id: String,
    pub title: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub city: String,
    pub country: String,
    pub online: bool,
    pub themes: Vec<String>,
    pub regions: Vec<String>,
    pub partners: String,
    pub status: String,
    pub errors: BTreeMap<String, String>,
}

impl ActivityDraft {
    fn is_blank(&self) -> bool {
        self.id.is_empty()
            && self.title.trim().is_empty()
            && self.starts_on.trim().is_empty()
            && self.ends_on.trim().is_empty()
            && self.city.trim().is_empty()
            && self.partners.trim().is_empty()
    }

    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    fn to_input(&self) -> ActivityInput {
        ActivityInput {
            id: (!self.id.is_empty()).then(|| self.id.clone()),
            title: self.title.clone(),
            kind: self.kind.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: Some(self.ends_on.clone()),
            location: Some(LocationInput { city: self.city.clone(), country: self.country.clone() }),
            online: self.online,
            themes: self.themes.clone(),
            regions: self.regions.clone(),
            partners: split_partners(&self.partners),
            status: (!self.status.is_empty()).then(|| self.status.clone()),
        }
    }
}

/// Partners are typed one per line or separated by commas or semicolons.
pub fn split_partners(text: &str) -> Vec<String> {
    text.split([',', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

/// What the form says, kept as typed so that an error never loses anything.
#[derive(Debug, Clone, Default)]
pub struct SurveyDraft {
    /// theme code → rank as typed ("" when unranked).
    pub ranks: BTreeMap<String, String>,
    pub regions: Vec<String>,
    pub activities: Vec<ActivityDraft>,
    pub comment: String,
}

/// The form's reading of a posted body, with problems found before the domain rules (two
/// themes given the same rank) already recorded.
pub struct Parsed {
    pub draft: SurveyDraft,
    pub input: ResponseInput,
    /// For each activity of `input`, the form block it came from.
    blocks: Vec<usize>,
    pub errors: FieldErrors,
}

pub fn parse(form: &Posted, theme_codes: &[String]) -> Parsed {
    let mut errors = FieldErrors::new();
    let mut ranks = BTreeMap::new();
    let mut ranked: Vec<(u32, String)> = Vec::new();
    for code in theme_codes {
        let raw = form.get(&format!("rank-{code}")).trim().to_owned();
        if !raw.is_empty() {
            match raw.parse::<u32>() {
                Ok(rank) if rank >= 1 => ranked.push((rank, code.clone())),
                _ => errors.add(format!("rank-{code}"), "choose a rank number from the list"),
            }
        }
        ranks.insert(code.clone(), raw);
    }
    ranked.sort();
    for pair in ranked.windows(2) {
        if pair[0].0 == pair[1].0 {
            errors.add(format!("rank-{}", pair[1].1), format!("rank {} is given to two themes; give each theme its own rank", pair[1].0));
        }
    }
    let themes: Vec<String> = ranked.into_iter().map(|(_, code)| code).collect();
    let regions = form.all("region");

    let mut activities = Vec::new();
    for block in form.activity_indices() {
        let field = |name: &str| form.get(&format!("a{block}-{name}")).to_owned();
        let draft = ActivityDraft {
            block,
            id: field("id"),
            title: field("title"),
            kind: field("kind"),
            starts_on: field("starts_on"),
            ends_on: field("ends_on"),
            city: field("city"),
            country: field("country"),
            online: form.has(&format!("a{block}-online")),
            themes: form.all(&format!("a{block}-theme")),
            regions: form.all(&format!("a{block}-region")),
            partners: field("partners"),
            status: field("status"),
            errors: BTreeMap::new(),
        };
        let removed = form.has(&format!("a{block}-remove"));
        if !removed && !draft.is_blank() {
            activities.push(draft);
        }
    }
    let comment = form.get("comment").to_owned();
    let input = ResponseInput::new(themes, regions.clone(), activities.iter().map(ActivityDraft::to_input).collect(), comment.clone());
    let blocks = activities.iter().map(|a| a.block).collect();
    Parsed { draft: SurveyDraft { ranks, regions, activities, comment }, input, blocks, errors }
}

impl Parsed {
    /// Moves the domain's errors onto the form: `themes[1]` onto the rank field of the theme
    /// ranked second, `activities[0].title` onto its block.
    pub fn place(&mut self, domain: &FieldErrors) {
        for (path, message) in domain.iter() {
            if let Some(rest) = path.strip_prefix("activities[") {
                let (index, field) = rest.split_once(']').unwrap_or((rest, ""));
                let field = field.trim_start_matches('.');
                let field = match field {
                    "location.country" => "country",
                    "location.city" => "city",
                    f if f.starts_with("partners") => "partners",
                    f if f.starts_with("themes") => "themes",
                    f if f.starts_with("regions") => "regions",
                    f => f,
                };
                let block = index.parse::<usize>().ok().and_then(|i| self.blocks.get(i)).copied();
                if let Some(activity) = block.and_then(|b| self.draft.activities.iter_mut().find(|a| a.block == b)) {
                    activity.errors.entry(field.to_owned()).or_insert_with(|| message.to_owned());
                    continue;
                }
            }
            if let Some(index) = path.strip_prefix("themes[").and_then(|r| r.strip_suffix(']')).and_then(|i| i.parse::<usize>().ok())
                && let Some(code) = self.input.themes.get(index)
            {
                self.errors.add(format!("rank-{code}"), message);
                continue;
            }
            let field = if path.starts_with("regions") { "regions" } else { path };
            self.errors.add(field, message);
        }
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.draft.activities.iter().any(|a| !a.errors.is_empty())
    }

    pub fn error_count(&self) -> usize {
        self.errors.len() + self.draft.activities.iter().map(|a| a.errors.len()).sum::<usize>()
    }
}

/// Countries for a select, sorted by their name in `lang`.
pub fn countries(lang: Lang) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> =
        barometer_domain::countries::all().iter().map(|c| (c.iso3.clone(), c.name(lang).to_owned())).collect();
    list.sort_by_key(|c| c.1.to_lowercase());
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> Vec<String> {
        ["youth-pve", "ai-tech", "victims"].map(String::from).to_vec()
    }

    #[test]
    fn ranks_order_the_themes_and_blank_blocks_are_ignored() {
        let body = "rank-youth-pve=2&rank-ai-tech=1&rank-victims=&region=sahel&region=mena\
                    &a0-title=Conference&a0-kind=conference&a0-starts_on=2026-03-10&a0-theme=youth-pve&a0-theme=ai-tech&a0-partners=UNOCT%2C+UNODC\
                    &a1-title=&a1-kind=conference&a1-starts_on=&comment=hello";
        let parsed = parse(&Posted::parse(body.as_bytes()).unwrap(), &codes());
        assert_eq!(parsed.input.themes, ["ai-tech", "youth-pve"]);
        assert_eq!(parsed.input.regions, ["sahel", "mena"]);
        assert_eq!(parsed.input.activities.len(), 1, "the blank block adds nothing");
        assert_eq!(parsed.input.activities[0].partners, ["UNOCT", "UNODC"]);
        assert_eq!(parsed.input.activities[0].themes, ["youth-pve", "ai-tech"]);
        assert!(parsed.errors.is_empty());
    }

    #[test]
    fn a_shared_rank_is_an_error_on_the_second_theme() {
        let parsed = parse(&Posted::parse(b"rank-youth-pve=1&rank-ai-tech=1").unwrap(), &codes());
        assert!(parsed.errors.get("rank-youth-pve").is_some(), "youth-pve sorts after ai-tech at rank 1");
    }

    #[test]
    fn removed_activities_are_dropped_and_domain_errors_land_on_their_block() {
        let body = "a0-title=Gone&a0-remove=on&a3-title=Kept&a3-kind=conference&a3-starts_on=bad";
        let mut parsed = parse(&Posted::parse(body.as_bytes()).unwrap(), &codes());
        assert_eq!(parsed.input.activities.len(), 1);
        let mut domain = FieldErrors::new();
        domain.add("activities[0].starts_on", "not a date");
        domain.add("activities[0].location.country", "give the country");
        parsed.place(&domain);
        let block = &parsed.draft.activities[0];
        assert_eq!(block.block, 3);
        assert_eq!(block.err("starts_on"), Some("not a date"));
        assert_eq!(block.err("country"), Some("give the country"));
        assert_eq!(parsed.error_count(), 2);
    }

    fn field_name() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::sample::select(vec![
                "rank-youth-pve",
                "rank-ai-tech",
                "region",
                "comment",
                "a0-title",
                "a0-kind",
                "a0-starts_on",
                "a0-ends_on",
                "a0-country",
                "a0-city",
                "a0-online",
                "a0-theme",
                "a0-partners",
                "a0-id",
                "a1-title",
                "a499-title",
                "a3-remove",
            ])
            .prop_map(str::to_owned),
            "[a-z0-9=&%+-]{0,10}",
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

        /// Any bytes: refused as not UTF-8 (naming a field) or parsed; never a panic.
        #[test]
        fn no_posted_bytes_make_the_form_parser_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            if let Ok(posted) = Posted::parse(&body) {
                let _ = parse(&posted, &codes());
            }
        }

        /// What a browser encodes reads back exactly, and whatever the fields say, the domain's
        /// errors land on the form without a panic.
        #[test]
        fn encoded_forms_read_back_and_errors_find_their_fields(
            pairs in proptest::collection::vec((field_name(), proptest::prelude::any::<String>()), 0..24)
        ) {
            let mut body = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &pairs {
                body.append_pair(k, v);
            }
            let posted = Posted::parse(body.finish().as_bytes()).expect("UTF-8 text always parses");
            proptest::prop_assert_eq!(&posted.0, &pairs);
            let cycle = barometer_domain::demo::dataset().unwrap().cycles.into_iter().find(|c| c.definition.label.as_str() == "2026").unwrap().definition;
            let codes: Vec<String> = cycle.questionnaire.themes.iter().map(|t| t.code.to_string()).collect();
            let mut parsed = parse(&posted, &codes);
            if let Err(errors) = parsed.input.validate(&cycle, barometer_domain::response::Purpose::Submit) {
                parsed.place(&errors);
                proptest::prop_assert!(parsed.has_errors());
            }
        }
    }
}
