//! What the SVGs say: well formed, every label there and in order, the legend and the source
//! line present, Arabic right to left.

use barometer_charts::{ChartInput, ChartName, render_svg};
use barometer_domain::results::{Comparison, ComparisonRow, Movement, PrioritiesTable, RankShare};
use barometer_domain::{CycleLabel, Lang, ThemeCode};

use crate::fixtures::{Demo, groups, text_of};

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed SVG: {e}"))
}

/// A label as the reader sees it: bidi marks and repeated spaces do not count.
fn normalise(text: &str) -> String {
    text.replace('\u{200E}', "").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// (data-key, text) of each label group, in document order; `side` picks one column of the
/// comparison.
fn labels(doc: &roxmltree::Document<'_>, side: Option<&str>) -> Vec<(String, String)> {
    groups(doc, "label")
        .into_iter()
        .filter(|g| side.is_none() || g.attribute("data-side") == side)
        .map(|g| (g.attribute("data-key").unwrap_or_default().to_owned(), normalise(&text_of(g))))
        .collect()
}

#[test]
fn every_chart_is_well_formed_with_title_subtitle_legend_and_source_in_every_language() {
    for lang in Lang::ALL {
        let demo = Demo::load(lang);
        for chart in ChartName::ALL {
            let svg = demo.svg(chart, lang);
            let doc = parse(&svg);
            let root = doc.root_element();
            let context = format!("{chart} in {lang}");
            assert!(root.has_tag_name(("http://www.w3.org/2000/svg", "svg")), "{context}");
            assert_eq!(root.attribute((XML_NS, "lang")), Some(lang.code()), "{context}");
            for class in ["title", "subtitle", "legend", "source"] {
                let group = groups(&doc, class);
                assert_eq!(group.len(), 1, "{context}: one {class}");
                assert!(!text_of(group[0]).trim().is_empty(), "{context}: empty {class}");
            }
            let source = normalise(&text_of(groups(&doc, "source")[0]));
            assert!(source.contains("barometer") && source.contains("2025"), "{context}: {source}");
            let subtitle = normalise(&text_of(groups(&doc, "subtitle")[0]));
            assert!(subtitle.contains("13"), "{context}: the respondents are in the subtitle: {subtitle}");
            assert!(subtitle.contains("2025"), "{context}: the cycle is in the subtitle: {subtitle}");
        }
    }
}

#[test]
fn english_titles_and_source_line_read_as_written() {
    let demo = Demo::load(Lang::En);
    let doc_svg = demo.svg(ChartName::Priorities, Lang::En);
    let doc = parse(&doc_svg);
    assert_eq!(text_of(groups(&doc, "title")[0]), "Thematic priorities of the parliamentary assemblies");
    assert_eq!(text_of(groups(&doc, "source")[0]), "Source: barometer, UNOCT Coordination Mechanism survey 2025");
    let legend = text_of(groups(&doc, "legend")[0]);
    assert_eq!(legend, "Primary priority Secondary priority Other");
}

#[test]
fn priorities_show_every_theme_of_table_1_in_order_with_its_share() {
    for lang in Lang::ALL {
        let demo = Demo::load(lang);
        let svg = demo.svg(ChartName::Priorities, lang);
        let doc = parse(&svg);
        let expected: Vec<(String, String)> = demo.priorities.rows.iter().map(|r| (r.theme.to_string(), normalise(&r.label))).collect();
        assert_eq!(labels(&doc, None), expected, "{lang}");
        let values: Vec<String> = groups(&doc, "value").into_iter().map(|g| normalise(&text_of(g))).collect();
        assert_eq!(values.len(), expected.len());
        assert!(values[0].starts_with("69") && values[0].ends_with("(9)"), "{lang}: {}", values[0]);
    }
}

#[test]
fn regions_show_every_region_with_each_sub_region_under_its_parent() {
    for lang in Lang::ALL {
        let demo = Demo::load(lang);
        let svg = demo.svg(ChartName::Regions, lang);
        let doc = parse(&svg);
        let keys: Vec<String> = labels(&doc, None).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys.len(), demo.regions.rows.len(), "{lang}: every region once");
        for row in &demo.regions.rows {
            let at = keys.iter().position(|k| k == row.region.as_str()).expect("region drawn");
            if let Some(parent) = &row.parent {
                let parent_at = keys.iter().position(|k| k == parent.as_str()).expect("parent drawn");
                assert!(parent_at < at, "{lang}: {} comes after {parent}", row.region);
                for between in &keys[parent_at + 1..at] {
                    let r = demo.regions.rows.iter().find(|r| r.region.as_str() == between).unwrap();
                    assert_eq!(r.parent.as_ref(), Some(parent), "{lang}: only siblings between {parent} and {}", row.region);
                }
            }
        }
        // Top-level regions run from most named to least.
        let top: Vec<u32> = keys
            .iter()
            .filter_map(|k| demo.regions.rows.iter().find(|r| r.region.as_str() == k && r.parent.is_none()))
            .map(|r| r.assemblies)
            .collect();
        assert!(top.windows(2).all(|w| w[0] >= w[1]), "{lang}: {top:?}");
    }
}

#[test]
fn compare_lists_both_cycles_and_marks_risers_and_fallers() {
    for lang in Lang::ALL {
        let demo = Demo::load(lang);
        let svg = demo.svg(ChartName::Compare, lang);
        let doc = parse(&svg);
        let later: Vec<(String, String)> =
            demo.comparison.rows.iter().filter(|r| r.to.is_some()).map(|r| (r.theme.to_string(), normalise(&r.label))).collect();
        assert_eq!(labels(&doc, Some("to")), later, "{lang}: the later cycle's column, in rank order");
        assert_eq!(labels(&doc, Some("from")).len(), demo.comparison.rows.iter().filter(|r| r.from.is_some()).count());
        let change =
            |key: &str| groups(&doc, "change").into_iter().find(|g| g.attribute("data-key") == Some(key)).map(|g| text_of(g)).unwrap();
        assert_eq!(normalise(&change("cft")), "▼ 11", "{lang}");
        assert_eq!(normalise(&change("cyber")), "▲ 7", "{lang}");
        assert_eq!(normalise(&change("oc-nexus")), "=", "{lang}");
    }
}

fn theme(code: &str) -> ThemeCode {
    ThemeCode::parse(code).unwrap()
}

#[test]
fn compare_marks_new_and_dropped_themes() {
    let row = |code: &str, from: Option<u32>, to: Option<u32>, movement| ComparisonRow {
        theme: theme(code),
        label: format!("Theme {code}"),
        from: from.map(|rank| RankShare { rank, share: 0.5 }),
        to: to.map(|rank| RankShare { rank, share: 0.5 }),
        rank_change: from.zip(to).map(|(f, t)| f as i32 - t as i32),
        share_change: None,
        movement,
    };
    let comparison = Comparison {
        from: CycleLabel::parse("2024").unwrap(),
        to: CycleLabel::parse("2025").unwrap(),
        summary: String::new(),
        rows: vec![
            row("fresh", None, Some(1), Movement::New),
            row("kept", Some(1), Some(2), Movement::Down),
            row("gone", Some(2), None, Movement::Dropped),
        ],
    };
    let svg = render_svg(&ChartInput::Compare { comparison: &comparison, respondents: None }, Lang::En).unwrap();
    let doc = parse(&svg);
    let to: Vec<String> = labels(&doc, Some("to")).into_iter().map(|(k, _)| k).collect();
    let from: Vec<String> = labels(&doc, Some("from")).into_iter().map(|(k, _)| k).collect();
    assert_eq!(to, ["fresh", "kept"]);
    assert_eq!(from, ["kept", "gone"]);
    let texts: Vec<String> = doc.descendants().filter(|n| n.has_tag_name("text")).map(|n| text_of(n)).collect();
    assert!(texts.iter().any(|t| t == "New"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "Dropped"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "Rank of each theme in 2024 and in 2025"), "{texts:?}");
}

#[test]
fn stability_shows_every_theme_in_observed_order_with_its_top_2_chance() {
    for lang in Lang::ALL {
        let demo = Demo::load(lang);
        let svg = demo.svg(ChartName::Stability, lang);
        let doc = parse(&svg);
        let expected: Vec<(String, String)> = demo.stability.rows.iter().map(|r| (r.theme.to_string(), normalise(&r.label))).collect();
        assert_eq!(labels(&doc, None), expected, "{lang}");
        let first = normalise(&text_of(groups(&doc, "value")[0]));
        assert!(first.starts_with("91"), "{lang}: {first}");
    }
}

#[test]
fn long_theme_names_wrap_onto_several_lines_without_losing_a_word() {
    for lang in Lang::ALL {
        let demo = Demo::load(lang);
        for chart in [ChartName::Priorities, ChartName::Stability, ChartName::Compare] {
            let svg = demo.svg(chart, lang);
            let doc = parse(&svg);
            let group = groups(&doc, "label").into_iter().find(|g| g.attribute("data-key") == Some("ai-tech")).unwrap();
            let lines: Vec<String> = group.children().filter(|n| n.has_tag_name("text")).map(|n| text_of(n)).collect();
            assert!(lines.len() >= 2, "{chart} in {lang}: {lines:?}");
            let label = &demo.priorities.rows.iter().find(|r| r.theme.as_str() == "ai-tech").unwrap().label;
            assert_eq!(normalise(&lines.join(" ")), normalise(label), "{chart} in {lang}");
        }
    }
}

#[test]
fn arabic_charts_run_right_to_left_with_labels_on_the_right() {
    let demo = Demo::load(Lang::Ar);
    for chart in ChartName::ALL {
        let svg = demo.svg(chart, Lang::Ar);
        let doc = parse(&svg);
        assert_eq!(doc.root_element().attribute("direction"), Some("rtl"), "{chart}");
        for text in doc.descendants().filter(|n| n.has_tag_name("text")) {
            assert_eq!(text.attribute("direction"), Some("rtl"), "{chart}: {:?}", text.text());
        }
    }
    let x_of_first_label = |lang: Lang| {
        let svg = Demo::load(lang).svg(ChartName::Priorities, lang);
        let doc = parse(&svg);
        let label = groups(&doc, "label")[0];
        let text = label.children().find(|n| n.has_tag_name("text")).unwrap();
        (text.attribute("x").unwrap().parse::<f64>().unwrap(), text.attribute("text-anchor").unwrap().to_owned())
    };
    let (ar_x, ar_anchor) = x_of_first_label(Lang::Ar);
    let (en_x, en_anchor) = x_of_first_label(Lang::En);
    assert!(ar_x > 900.0 && en_x < 300.0, "labels sit on the reading side: ar {ar_x}, en {en_x}");
    assert_eq!((ar_anchor.as_str(), en_anchor.as_str()), ("start", "start"), "anchors are logical");
}

#[test]
fn no_responses_draw_a_message_instead_of_bars() {
    let table = PrioritiesTable { cycle: CycleLabel::parse("2027").unwrap(), respondents: 0, members: 17, rows: vec![] };
    let svg = render_svg(&ChartInput::Priorities(&table), Lang::En).unwrap();
    let doc = parse(&svg);
    assert!(doc.descendants().any(|n| n.text() == Some("No submitted responses yet")));
    assert!(groups(&doc, "label").is_empty());
}

#[test]
fn labels_with_markup_characters_are_escaped() {
    let mut table: PrioritiesTable = crate::fixtures::fixture("priorities-2025.en.json");
    table.rows[0].label = "Youth & <violent> \"extremism\"".to_owned();
    let svg = render_svg(&ChartInput::Priorities(&table), Lang::En).unwrap();
    let doc = parse(&svg);
    assert_eq!(labels(&doc, None)[0].1, "Youth & <violent> \"extremism\"");
}
