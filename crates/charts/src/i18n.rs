//! The charts' own words (titles, legends, axis names, the source line) in the four languages,
//! and number formatting. Theme and region labels are not here: they arrive translated in the
//! results.

use barometer_domain::Lang;

/// Every string a chart draws besides the data's own labels. `{name}` marks a placeholder.
pub(crate) struct Strings {
    pub source: &'static str,
    pub no_data: &'static str,
    pub cycle_respondents: &'static str,
    pub priorities_title: &'static str,
    pub priorities_note: &'static str,
    pub share_axis: &'static str,
    pub tier_primary: &'static str,
    pub tier_secondary: &'static str,
    pub tier_other: &'static str,
    pub regions_title: &'static str,
    pub region_axis: &'static str,
    pub region_top: &'static str,
    pub region_sub: &'static str,
    pub map_title: &'static str,
    pub map_legend: &'static str,
    pub map_none: &'static str,
    pub map_small: &'static str,
    pub compare_title: &'static str,
    pub compare_subtitle: &'static str,
    pub compare_subtitle_counts: &'static str,
    pub rose: &'static str,
    pub fell: &'static str,
    pub unchanged: &'static str,
    pub new: &'static str,
    pub dropped: &'static str,
    pub stability_title: &'static str,
    pub stability_subtitle: &'static str,
    pub rank_axis: &'static str,
    pub p_top2: &'static str,
    pub observed: &'static str,
    pub interval: &'static str,
    pub median: &'static str,
}

const EN: Strings = Strings {
    source: "Source: barometer, UNOCT Coordination Mechanism survey {cycle}",
    no_data: "No submitted responses yet",
    cycle_respondents: "Cycle {cycle} · {n} of {m} member assemblies responded",
    priorities_title: "Thematic priorities of the parliamentary assemblies",
    priorities_note: "Themes are ordered by Borda points: the higher an assembly ranks a theme, the more points it earns.",
    share_axis: "Share of responding assemblies that rank the theme",
    tier_primary: "Primary priority",
    tier_secondary: "Secondary priority",
    tier_other: "Other",
    regions_title: "Geographic focus: regions named by the assemblies",
    region_axis: "Share of responding assemblies that name the region or one of its sub-regions",
    region_top: "Region",
    region_sub: "Sub-region (also counted in its region)",
    map_title: "Geographic coverage by country",
    map_legend: "Assemblies whose named regions include the country",
    map_none: "Not named",
    map_small: "Small state (shown as a dot)",
    compare_title: "Change in thematic priorities, {from} to {to}",
    compare_subtitle: "Rank of each theme in {from} and in {to}",
    compare_subtitle_counts: "Rank of each theme in {from} ({n} respondents) and in {to} ({m} respondents)",
    rose: "Rose",
    fell: "Fell",
    unchanged: "No change",
    new: "New",
    dropped: "Dropped",
    stability_title: "How stable is the ranking of priorities?",
    stability_subtitle: "Cycle {cycle} · {n} respondents · {r} bootstrap resamples of the respondents",
    rank_axis: "Rank (1 = top priority)",
    p_top2: "Chance of a top-2 rank",
    observed: "Observed rank",
    interval: "90% interval over resamples",
    median: "Median",
};

const FR: Strings = Strings {
    source: "Source : barometer, enquête {cycle} du Mécanisme de coordination du BLT de l’ONU",
    no_data: "Aucune réponse soumise pour l’instant",
    cycle_respondents: "Cycle {cycle} · {n} assemblées membres sur {m} ont répondu",
    priorities_title: "Priorités thématiques des assemblées parlementaires",
    priorities_note: "Les thèmes sont classés par points Borda : plus une assemblée classe un thème haut, plus il reçoit de points.",
    share_axis: "Part des assemblées répondantes qui classent le thème",
    tier_primary: "Priorité principale",
    tier_secondary: "Priorité secondaire",
    tier_other: "Autre",
    regions_title: "Orientation géographique : régions citées par les assemblées",
    region_axis: "Part des assemblées répondantes qui citent la région ou l’une de ses sous-régions",
    region_top: "Région",
    region_sub: "Sous-région (comptée aussi dans sa région)",
    map_title: "Couverture géographique par pays",
    map_legend: "Assemblées dont les régions citées incluent le pays",
    map_none: "Non cité",
    map_small: "Petit État (représenté par un point)",
    compare_title: "Évolution des priorités thématiques, de {from} à {to}",
    compare_subtitle: "Rang de chaque thème en {from} et en {to}",
    compare_subtitle_counts: "Rang de chaque thème en {from} ({n} assemblées répondantes) et en {to} ({m} assemblées répondantes)",
    rose: "En hausse",
    fell: "En baisse",
    unchanged: "Inchangé",
    new: "Nouveau",
    dropped: "Retiré",
    stability_title: "Le classement des priorités est-il stable ?",
    stability_subtitle: "Cycle {cycle} · {n} assemblées répondantes · {r} rééchantillonnages bootstrap des répondantes",
    rank_axis: "Rang (1 = priorité la plus élevée)",
    p_top2: "Probabilité d’un rang parmi les 2 premiers",
    observed: "Rang observé",
    interval: "Intervalle à 90 % sur les rééchantillonnages",
    median: "Médiane",
};

const AR: Strings = Strings {
    source: "المصدر: barometer، استبيان آلية التنسيق التابعة لمكتب الأمم المتحدة لمكافحة الإرهاب {cycle}",
    no_data: "لا توجد ردود مقدَّمة بعد",
    cycle_respondents: "الدورة {cycle} · الجمعيات الأعضاء المجيبة: {n} من أصل {m}",
    priorities_title: "الأولويات المواضيعية للجمعيات البرلمانية",
    priorities_note: "رُتّبت المواضيع حسب نقاط بوردا: كلما رفعت الجمعية ترتيب الموضوع حصل على نقاط أكثر.",
    share_axis: "نسبة الجمعيات المجيبة التي صنّفت الموضوع",
    tier_primary: "أولوية رئيسية",
    tier_secondary: "أولوية ثانوية",
    tier_other: "أخرى",
    regions_title: "التركيز الجغرافي: المناطق التي ذكرتها الجمعيات",
    region_axis: "نسبة الجمعيات المجيبة التي ذكرت المنطقة أو إحدى مناطقها الفرعية",
    region_top: "منطقة",
    region_sub: "منطقة فرعية (تُحتسب أيضاً ضمن منطقتها)",
    map_title: "التغطية الجغرافية حسب البلد",
    map_legend: "عدد الجمعيات التي تشمل مناطقها المذكورة البلد",
    map_none: "غير مذكور",
    map_small: "دولة صغيرة (تظهر كنقطة)",
    compare_title: "تغيّر الأولويات المواضيعية من {from} إلى {to}",
    compare_subtitle: "ترتيب كل موضوع في {from} وفي {to}",
    compare_subtitle_counts: "ترتيب كل موضوع في {from} (الجمعيات المجيبة: {n}) وفي {to} (الجمعيات المجيبة: {m})",
    rose: "تقدّم",
    fell: "تراجع",
    unchanged: "دون تغيير",
    new: "جديد",
    dropped: "أُزيل",
    stability_title: "ما مدى استقرار ترتيب الأولويات؟",
    stability_subtitle: "الدورة {cycle} · الجمعيات المجيبة: {n} · عيّنات إعادة المعاينة (bootstrap): {r}",
    rank_axis: "الترتيب (1 = الأولوية القصوى)",
    p_top2: "احتمال الحلول في المرتبتين الأوليين",
    observed: "الترتيب المرصود",
    interval: "فترة 90٪ عبر العيّنات",
    median: "الوسيط",
};

const RU: Strings = Strings {
    source: "Источник: barometer, опрос Координационного механизма КТУ ООН, {cycle}",
    no_data: "Пока нет представленных ответов",
    cycle_respondents: "Цикл {cycle} · ответили {n} из {m} ассамблей-членов",
    priorities_title: "Тематические приоритеты парламентских ассамблей",
    priorities_note: "Темы упорядочены по баллам Борда: чем выше ассамблея ставит тему, тем больше баллов она получает.",
    share_axis: "Доля ответивших ассамблей, выбравших тему",
    tier_primary: "Основной приоритет",
    tier_secondary: "Второстепенный приоритет",
    tier_other: "Прочие",
    regions_title: "Географическая направленность: регионы, названные ассамблеями",
    region_axis: "Доля ответивших ассамблей, назвавших регион или один из его субрегионов",
    region_top: "Регион",
    region_sub: "Субрегион (учитывается и в своём регионе)",
    map_title: "Географический охват по странам",
    map_legend: "Число ассамблей, в названные регионы которых входит страна",
    map_none: "Не названа",
    map_small: "Малое государство (показано точкой)",
    compare_title: "Изменение тематических приоритетов: {from} — {to}",
    compare_subtitle: "Место каждой темы в {from} и в {to}",
    compare_subtitle_counts: "Место каждой темы в {from} (ответили: {n}) и в {to} (ответили: {m})",
    rose: "Поднялась",
    fell: "Опустилась",
    unchanged: "Без изменений",
    new: "Новая",
    dropped: "Исключена",
    stability_title: "Насколько устойчив рейтинг приоритетов?",
    stability_subtitle: "Цикл {cycle} · ответили: {n} · бутстреп-выборок из ответивших: {r}",
    rank_axis: "Место (1 = главный приоритет)",
    p_top2: "Вероятность войти в первые 2",
    observed: "Наблюдаемое место",
    interval: "90-процентный интервал по выборкам",
    median: "Медиана",
};

pub(crate) fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
        Lang::Ar => &AR,
        Lang::Ru => &RU,
    }
}

/// Replaces each `{name}` in `template` with its value.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A share (0..=1) as a whole percentage in the language's typography.
pub(crate) fn percent(share: f64, lang: Lang) -> String {
    let value = (share * 100.0).round() as i64;
    match lang {
        Lang::En => format!("{value}%"),
        // French and Russian put a no-break space before the sign.
        Lang::Fr | Lang::Ru => format!("{value}\u{a0}%"),
        Lang::Ar => format!("{value}٪"),
    }
}

/// Like [`percent`], but a share that would round to 0% or 100% without being either gets one
/// decimal, so that "almost never" does not read as "never".
pub(crate) fn percent_fine(share: f64, lang: Lang) -> String {
    let value = share * 100.0;
    if (value > 0.0 && value < 0.5) || (value > 99.5 && value < 100.0) {
        let text = format!("{:.1}", (value * 10.0).floor() / 10.0).replace(".0", "");
        let text = if text == "0" { "0.1".to_owned() } else { text };
        let text = if matches!(lang, Lang::Fr | Lang::Ru) { text.replace('.', ",") } else { text };
        return match lang {
            Lang::En => format!("{text}%"),
            Lang::Fr | Lang::Ru => format!("{text}\u{a0}%"),
            Lang::Ar => format!("{text}٪"),
        };
    }
    percent(share, lang)
}

/// An integer with the language's thousands separator.
pub(crate) fn integer(value: u64, lang: Lang) -> String {
    let digits = value.to_string();
    let sep = match lang {
        Lang::En | Lang::Ar => ",",
        Lang::Fr | Lang::Ru => "\u{a0}",
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// Puts a LEFT-TO-RIGHT MARK before each number in right-to-left text. Without it the bidi
/// algorithm reads a number that follows Arabic letters as an Arabic number, and a cycle label
/// such as `2023-24` comes out as `24-2023` (in browsers and in resvg alike).
pub(crate) fn mark_numbers_ltr(text: &str) -> std::borrow::Cow<'_, str> {
    const LRM: char = '\u{200E}';
    let starts = |prev: Option<char>, c: char| {
        c.is_ascii_digit() && !prev.is_some_and(|p| p.is_ascii_digit() || matches!(p, '.' | ',' | '-' | '/' | LRM))
    };
    let mut prev = None;
    if !text.chars().any(|c| {
        let s = starts(prev, c);
        prev = Some(c);
        s
    }) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 12);
    let mut prev = None;
    for c in text.chars() {
        if starts(prev, c) {
            out.push(LRM);
        }
        out.push(c);
        prev = Some(c);
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_fills_the_source_line() {
        for lang in Lang::ALL {
            let line = fill(strings(lang).source, &[("cycle", "2025")]);
            assert!(line.contains("2025") && line.contains("barometer"), "{line}");
            assert!(!line.contains('{'));
        }
    }

    #[test]
    fn numbers_in_arabic_text_are_marked_left_to_right_once() {
        assert_eq!(mark_numbers_ltr("من 2023-24 إلى 2025"), "من \u{200E}2023-24 إلى \u{200E}2025");
        assert_eq!(mark_numbers_ltr("\u{200E}12.5"), "\u{200E}12.5");
        assert!(matches!(mark_numbers_ltr("لا أرقام"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(percent(0.6923, Lang::En), "69%");
        assert_eq!(percent(0.6923, Lang::Fr), "69\u{a0}%");
        assert_eq!(percent(0.6923, Lang::Ar), "69٪");
        assert_eq!(percent_fine(0.003, Lang::En), "0.3%");
        assert_eq!(percent_fine(0.003, Lang::Fr), "0,3\u{a0}%");
        assert_eq!(percent_fine(0.9999, Lang::En), "99.9%");
        assert_eq!(percent_fine(0.0, Lang::En), "0%");
        assert_eq!(percent_fine(0.5, Lang::En), "50%");
        assert_eq!(integer(1000, Lang::En), "1,000");
        assert_eq!(integer(12345, Lang::Ru), "12\u{a0}345");
        assert_eq!(integer(999, Lang::Fr), "999");
    }
}
