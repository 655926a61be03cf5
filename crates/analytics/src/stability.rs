//! Rank stability: how solid is each theme's place in Table 1, by bootstrap over respondents.
//!
//! The resampling loop is plain Rust rather than polars: each resample is a few dozen additions
//! per respondent into a per-theme array, which no query engine does faster, and it keeps the
//! random stream under this crate's control (see [`crate::rng`]).

use barometer_domain::Lang;
use barometer_domain::cycle_data::CycleData;
use barometer_domain::results::{Stability, StabilityRow};

use crate::AnalyticsError;
use crate::rng::SplitMix64;

/// The number of resamples the issue asks for by default.
pub const DEFAULT_RESAMPLES: u32 = 2000;

/// Bootstraps Table 1 `resamples` times (drawing respondents with replacement) and reports, for
/// each theme in Table 1 order, the share of resamples that place it in the top 2 and top 5, the
/// 5th and 95th percentiles of its rank (the 90% interval) and its median rank. The ranking rule
/// is Table 1's: points, then assemblies, ties sharing the lowest rank. The same `seed` always
/// gives the same result; the resamples are spread over the machine's cores.
pub fn stability(data: &CycleData, resamples: u32, seed: u64, lang: Lang) -> Result<Stability, AnalyticsError> {
    if resamples == 0 {
        return Err(AnalyticsError::Invalid("ask for at least one resample".into()));
    }
    let def = data.definition();
    let themes = def.questionnaire.themes.len();
    let ballots = Ballots::new(data);
    let n = data.respondents() as usize;

    // Observed ranks, with Table 1's order (points, assemblies, code) for the rows.
    let mut tally = Tally::new(themes);
    for respondent in 0..n {
        tally.add(ballots.of(respondent));
    }
    let observed = tally.ranks();
    let mut order: Vec<usize> = (0..themes).collect();
    let code = |t: usize| def.questionnaire.themes[t].code.as_str();
    order.sort_by(|&a, &b| {
        (tally.points[b], tally.assemblies[b]).cmp(&(tally.points[a], tally.assemblies[a])).then_with(|| code(a).cmp(code(b)))
    });

    // ranks[b * themes + t]: theme t's rank in resample b.
    let total = resamples as usize;
    let mut ranks = vec![0u32; total * themes];
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(total);
    let per_thread = total.div_ceil(threads);
    std::thread::scope(|scope| {
        for (chunk_index, chunk) in ranks.chunks_mut(per_thread * themes.max(1)).enumerate() {
            let ballots = &ballots;
            scope.spawn(move || {
                let mut tally = Tally::new(themes);
                for (i, out) in chunk.chunks_mut(themes.max(1)).enumerate() {
                    let b = (chunk_index * per_thread + i) as u64;
                    // One independent stream per resample: the result does not depend on how the
                    // resamples are spread over threads.
                    let mut rng = SplitMix64::new(seed ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17));
                    tally.clear();
                    for _ in 0..n {
                        tally.add(ballots.of(rng.below(n)));
                    }
                    if themes > 0 {
                        out.copy_from_slice(&tally.ranks());
                    }
                }
            });
        }
    });

    let mut column = vec![0u32; total];
    let rows = order
        .into_iter()
        .map(|t| {
            for (b, slot) in column.iter_mut().enumerate() {
                *slot = ranks[b * themes + t];
            }
            column.sort_unstable();
            let share = |limit: u32| round4(column.iter().filter(|&&r| r <= limit).count() as f64 / total as f64);
            let percentile = |p: f64| column[((p * total as f64).ceil() as usize).clamp(1, total) - 1];
            StabilityRow {
                theme: def.questionnaire.themes[t].code.clone(),
                label: def.questionnaire.themes[t].labels.get(lang).to_owned(),
                rank: observed[t],
                p_top2: share(2),
                p_top5: share(5),
                rank_low: percentile(0.05),
                rank_high: percentile(0.95),
                rank_median: f64::from(column[(total - 1) / 2] + column[total / 2]) / 2.0,
            }
        })
        .collect();
    Ok(Stability { cycle: def.label.clone(), respondents: data.respondents(), resamples, seed, rows })
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Each respondent's ballot: (theme, points) pairs, stored contiguously.
struct Ballots {
    offsets: Vec<usize>,
    entries: Vec<(u32, u32)>,
}

impl Ballots {
    fn new(data: &CycleData) -> Ballots {
        let rows = data.themes();
        let n_plus_one = u32::from(data.definition().max_ranked_themes) + 1;
        let mut offsets = vec![0usize; data.respondents() as usize + 1];
        for &r in &rows.respondent {
            offsets[r as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        // The rows are clustered by theme: place each into its respondent's slot.
        let mut next = offsets.clone();
        let mut entries = vec![(0u32, 0u32); rows.theme.len()];
        for ((&r, &t), &rank) in rows.respondent.iter().zip(&rows.theme).zip(&rows.rank) {
            let slot = &mut next[r as usize];
            entries[*slot] = (t, n_plus_one.saturating_sub(u32::from(rank)));
            *slot += 1;
        }
        Ballots { offsets, entries }
    }

    fn of(&self, respondent: usize) -> &[(u32, u32)] {
        &self.entries[self.offsets[respondent]..self.offsets[respondent + 1]]
    }
}

struct Tally {
    points: Vec<u64>,
    assemblies: Vec<u64>,
    order: Vec<usize>,
}

impl Tally {
    fn new(themes: usize) -> Tally {
        Tally { points: vec![0; themes], assemblies: vec![0; themes], order: (0..themes).collect() }
    }

    fn clear(&mut self) {
        self.points.fill(0);
        self.assemblies.fill(0);
    }

    fn add(&mut self, ballot: &[(u32, u32)]) {
        for &(theme, points) in ballot {
            self.points[theme as usize] += u64::from(points);
            self.assemblies[theme as usize] += 1;
        }
    }

    /// Table 1 ranks: 1 + the number of themes strictly ahead on (points, assemblies).
    fn ranks(&mut self) -> Vec<u32> {
        let key = |t: usize| (self.points[t], self.assemblies[t]);
        let mut order = std::mem::take(&mut self.order);
        order.sort_unstable_by_key(|&t| std::cmp::Reverse(key(t)));
        let mut ranks = vec![0u32; order.len()];
        for (position, &t) in order.iter().enumerate() {
            ranks[t] = if position > 0 && key(order[position - 1]) == key(t) { ranks[order[position - 1]] } else { position as u32 + 1 };
        }
        self.order = order;
        ranks
    }
}
