//! Charts drawn by the app as SVG: no library, no network, readable at 360 px. Each chart
//! comes with its table next to it (the numbers, for screen readers and for export).

use leptos::prelude::*;

/// One group of bars (a month, a week): its label and one value per series.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub label: String,
    pub values: Vec<i64>,
}

/// A series: its CSS class (colour) and its name in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub class: &'static str,
    pub name: &'static str,
}

/// The largest value rounded up to 1, 2 or 5 × 10ⁿ: the top of the scale.
pub fn nice_max(max: i64) -> i64 {
    if max <= 0 {
        return 1;
    }
    let mut step = 1i64;
    while step.saturating_mul(10) <= max {
        step = step.saturating_mul(10);
    }
    for m in [1, 2, 5, 10] {
        if step.saturating_mul(m) >= max {
            return step.saturating_mul(m);
        }
    }
    step.saturating_mul(10)
}

/// Grouped bars: each group a slot, each series a bar within it. `format` prints a value for
/// the scale and the tooltips. `target`, when given, draws a dashed line at that value.
#[component]
pub fn BarChart(
    title: String,
    groups: Vec<Group>,
    series: Vec<Series>,
    format: fn(i64) -> String,
    #[prop(optional)] target: Option<i64>,
) -> impl IntoView {
    const W: f64 = 340.0;
    const H: f64 = 180.0;
    const LEFT: f64 = 44.0;
    const BOTTOM: f64 = 22.0;
    const TOP: f64 = 8.0;
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter().copied())
        .chain(target)
        .max()
        .unwrap_or(0);
    let top = nice_max(max) as f64;
    let plot_w = W - LEFT - 4.0;
    let plot_h = H - BOTTOM - TOP;
    let slot = if groups.is_empty() {
        plot_w
    } else {
        plot_w / groups.len() as f64
    };
    let n = series.len().max(1) as f64;
    let bar_w = (slot * 0.8 / n).max(1.0);
    let y = move |v: i64| TOP + plot_h - (v.max(0) as f64 / top) * plot_h;
    // Labels every k groups so that they do not overlap (about 38 px each).
    let every = ((38.0 / slot).ceil() as usize).max(1);
    let bars = groups
        .iter()
        .enumerate()
        .flat_map(|(gi, g)| {
            let series = series.clone();
            g.values.iter().enumerate().map(move |(si, v)| {
                let x = LEFT + gi as f64 * slot + slot * 0.1 + si as f64 * bar_w;
                let class = series.get(si).map(|s| s.class).unwrap_or("");
                let name = series.get(si).map(|s| s.name).unwrap_or("");
                view! {
                    <rect class=class x=format!("{x:.1}") y=format!("{:.1}", y(*v)) width=format!("{bar_w:.1}")
                        height=format!("{:.1}", (TOP + plot_h - y(*v)).max(0.0))>
                        <title>{format!("{} — {name} : {}", g.label, format(*v))}</title>
                    </rect>
                }
            })
        })
        .collect_view();
    let labels = groups
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, g)| {
            let x = LEFT + i as f64 * slot + slot / 2.0;
            view! { <text x=format!("{x:.1}") y=format!("{:.1}", H - 6.0) text-anchor="middle">{g.label.clone()}</text> }
        })
        .collect_view();
    let target_line = target.map(|t| {
        view! {
            <line x1=format!("{LEFT}") x2=format!("{:.1}", W - 4.0) y1=format!("{:.1}", y(t)) y2=format!("{:.1}", y(t))
                stroke="var(--danger)" stroke-dasharray="4 3"/>
        }
    });
    view! {
        <figure class="chart-box">
            <svg class="chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=title.clone()>
                <line x1=format!("{LEFT}") x2=format!("{LEFT}") y1=format!("{TOP}") y2=format!("{:.1}", TOP + plot_h) stroke="var(--line)"/>
                <line x1=format!("{LEFT}") x2=format!("{:.1}", W - 4.0) y1=format!("{:.1}", TOP + plot_h) y2=format!("{:.1}", TOP + plot_h) stroke="var(--line)"/>
                <text x=format!("{:.1}", LEFT - 4.0) y=format!("{:.1}", TOP + 8.0) text-anchor="end">{format(top as i64)}</text>
                <text x=format!("{:.1}", LEFT - 4.0) y=format!("{:.1}", TOP + plot_h) text-anchor="end">"0"</text>
                {bars}
                {target_line}
                {labels}
            </svg>
            <figcaption class="legend">
                {series.into_iter().map(|s| view! { <span><i class=s.class></i>{s.name}</span> }).collect_view()}
                {target.map(|_| view! { <span><i style="background: var(--danger)"></i>"Objectif"</span> })}
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::nice_max;

    #[test]
    fn the_scale_ends_on_a_round_value() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(130), 200);
        assert_eq!(nice_max(480_000), 500_000);
        assert_eq!(nice_max(1_000), 1_000);
    }
}
