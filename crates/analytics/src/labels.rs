//! The few words this crate writes itself, in the survey's four languages: the comparison's
//! summary sentence and the column headers of exports.

use barometer_domain::Lang;

/// "A and B", "A, B and C".
pub(crate) fn and_list<'a>(lang: Lang, items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.into_iter().collect();
    let and = match lang {
        Lang::En => " and ",
        Lang::Fr => " et ",
        Lang::Ar => " و",
        Lang::Ru => " и ",
    };
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => {
            let comma = if lang == Lang::Ar { "، " } else { ", " };
            format!("{}{and}{last}", rest.join(comma))
        }
    }
}

pub(crate) fn priorities_moved(lang: Lang, from_names: &str, from: &str, to_names: &str, to: &str) -> String {
    match lang {
        Lang::En => format!("Top priorities moved from {from_names} ({from}) to {to_names} ({to})."),
        Lang::Fr => format!("Les priorités principales sont passées de {from_names} ({from}) à {to_names} ({to})."),
        Lang::Ar => format!("انتقلت الأولويات الرئيسية من {from_names} ({from}) إلى {to_names} ({to})."),
        Lang::Ru => format!("Главные приоритеты сместились с тем «{from_names}» ({from}) на «{to_names}» ({to})."),
    }
}

pub(crate) fn priorities_stayed(lang: Lang, names: &str, from: &str, to: &str) -> String {
    match lang {
        Lang::En => format!("Top priorities stayed {names} from {from} to {to}."),
        Lang::Fr => format!("Les priorités principales sont restées {names} de {from} à {to}."),
        Lang::Ar => format!("ظلت الأولويات الرئيسية {names} من {from} إلى {to}."),
        Lang::Ru => format!("Главные приоритеты не изменились с {from} по {to}: «{names}»."),
    }
}

pub(crate) fn no_priorities(lang: Lang, cycle: &str) -> String {
    match lang {
        Lang::En => format!("No priorities were ranked in {cycle}, so there is no shift to report."),
        Lang::Fr => format!("Aucune priorité n'a été classée en {cycle} : aucune évolution à signaler."),
        Lang::Ar => format!("لم تُرتَّب أي أولويات في {cycle}، فلا يوجد تحول يمكن الإبلاغ عنه."),
        Lang::Ru => format!("В {cycle} приоритеты не ранжировались, поэтому сравнивать нечего."),
    }
}

/// The header of an export column, by its stable key.
pub(crate) fn header(key: &str, lang: Lang) -> String {
    let [en, fr, ar, ru] = match key {
        "cycle" => ["Cycle", "Cycle", "الدورة", "Цикл"],
        "rank" => ["Rank", "Rang", "الترتيب", "Место"],
        "theme" => ["Theme code", "Code du thème", "رمز الموضوع", "Код темы"],
        "label" => ["Label", "Libellé", "التسمية", "Название"],
        "assemblies" => ["Assemblies", "Assemblées", "الجمعيات", "Ассамблеи"],
        "share" => ["Share of respondents", "Part des répondants", "نسبة المجيبين", "Доля ответивших"],
        "points" => ["Points", "Points", "النقاط", "Баллы"],
        "mean_rank" => ["Mean rank", "Rang moyen", "متوسط الترتيب", "Средний ранг"],
        "tier" => ["Tier", "Niveau", "الفئة", "Уровень"],
        "region" => ["Region code", "Code de la région", "رمز المنطقة", "Код региона"],
        "parent" => ["Parent region", "Région parente", "المنطقة الأم", "Родительский регион"],
        "activities" => ["Planned activities", "Activités prévues", "الأنشطة المخططة", "Запланированные мероприятия"],
        "iso3" => ["Country (ISO3)", "Pays (ISO3)", "البلد (ISO3)", "Страна (ISO3)"],
        "from_rank" => ["Earlier rank", "Rang précédent", "الترتيب السابق", "Прежнее место"],
        "from_share" => ["Earlier share", "Part précédente", "النسبة السابقة", "Прежняя доля"],
        "to_rank" => ["Later rank", "Rang suivant", "الترتيب اللاحق", "Новое место"],
        "to_share" => ["Later share", "Part suivante", "النسبة اللاحقة", "Новая доля"],
        "rank_change" => ["Rank change", "Évolution du rang", "تغير الترتيب", "Изменение места"],
        "share_change" => ["Share change", "Évolution de la part", "تغير النسبة", "Изменение доли"],
        "movement" => ["Movement", "Mouvement", "الاتجاه", "Движение"],
        "from" => ["Earlier cycle", "Cycle précédent", "الدورة السابقة", "Прежний цикл"],
        "to" => ["Later cycle", "Cycle suivant", "الدورة اللاحقة", "Новый цикл"],
        "summary" => ["Summary", "Résumé", "الخلاصة", "Итог"],
        "p_top2" => {
            ["Probability in top 2", "Probabilité d'être dans les 2 premiers", "احتمال الوجود ضمن أول 2", "Вероятность войти в топ-2"]
        }
        "p_top5" => {
            ["Probability in top 5", "Probabilité d'être dans les 5 premiers", "احتمال الوجود ضمن أول 5", "Вероятность войти в топ-5"]
        }
        "rank_low" => ["Rank, 5th percentile", "Rang, 5e centile", "الترتيب، المئين الخامس", "Место, 5-й процентиль"],
        "rank_high" => ["Rank, 95th percentile", "Rang, 95e centile", "الترتيب، المئين 95", "Место, 95-й процентиль"],
        "rank_median" => ["Median rank", "Rang médian", "الترتيب الوسيط", "Медианное место"],
        "resamples" => ["Resamples", "Rééchantillonnages", "عمليات إعادة المعاينة", "Повторные выборки"],
        "seed" => ["Seed", "Graine", "البذرة", "Начальное значение"],
        "members" => ["Members", "Membres", "الأعضاء", "Члены"],
        "respondents" => ["Respondents", "Répondants", "المجيبون", "Ответившие"],
        "response_rate" => ["Response rate", "Taux de réponse", "معدل الاستجابة", "Доля ответов"],
        "themes_ranked" => ["Themes ranked", "Thèmes classés", "المواضيع المرتبة", "Ранжированные темы"],
        "regions_named" => ["Regions named", "Régions citées", "المناطق المذكورة", "Названные регионы"],
        "activities_planned" => ["Activities planned", "Activités prévues", "الأنشطة المخططة", "Запланированные мероприятия"],
        "countries_covered" => ["Countries covered", "Pays couverts", "البلدان المشمولة", "Охваченные страны"],
        other => return other.to_owned(),
    };
    in_lang([en, fr, ar, ru], lang)
}

/// A sheet's name in an XLSX workbook (at most 31 characters, none of `[]:*?/\`).
pub(crate) fn sheet_title(key: &str, lang: Lang) -> String {
    let [en, fr, ar, ru] = match key {
        "priorities" => ["Priorities", "Priorités", "الأولويات", "Приоритеты"],
        "regions" => ["Regions", "Régions", "المناطق", "Регионы"],
        "countries" => ["Countries", "Pays", "البلدان", "Страны"],
        "comparison" => ["Comparison", "Comparaison", "المقارنة", "Сравнение"],
        "summary" => ["Summary", "Résumé", "الخلاصة", "Итог"],
        "stability" => ["Stability", "Stabilité", "الاستقرار", "Устойчивость"],
        "headline" => ["Headline figures", "Chiffres clés", "أرقام رئيسية", "Ключевые цифры"],
        "about" => ["About", "À propos", "حول", "О таблице"],
        other => return other.to_owned(),
    };
    in_lang([en, fr, ar, ru], lang)
}

/// The text for `lang` from a row written [en, fr, ar, ru].
fn in_lang([en, fr, ar, ru]: [&str; 4], lang: Lang) -> String {
    match lang {
        Lang::En => en,
        Lang::Fr => fr,
        Lang::Ar => ar,
        Lang::Ru => ru,
    }
    .to_owned()
}
